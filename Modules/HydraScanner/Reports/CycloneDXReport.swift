import HydraOCI

/// CycloneDX 1.5 JSON: the image as the subject, a component per package (with its purl and layer), and
/// optionally the vulnerabilities affecting them. See https://cyclonedx.org/docs/1.5/json/
enum CycloneDXReport {
    static func document(_ report: ScanReport, toolVersion: String, withVulnerabilities: Bool) -> JSONValue {
        var components: [JSONValue] = []
        var references: [String: String] = [:]
        for (index, package) in report.packages.enumerated() {
            let reference = "\(package.purl)#\(index)"
            references[package.purl + "\u{0}" + package.location] = reference
            var properties: [JSONValue] = [.object(["name": .string("hydra:location"), "value": .string(package.location)])]
            if let layer = package.layerDigest { properties.append(.object(["name": .string("hydra:layer"), "value": .string(layer)])) }
            if let diffID = package.layerDiffID { properties.append(.object(["name": .string("hydra:layerDiffID"), "value": .string(diffID)])) }
            var component: [String: JSONValue] = [
                "bom-ref": .string(reference), "type": .string("library"), "name": .string(package.name),
                "version": .string(package.version), "purl": .string(package.purl), "properties": .array(properties),
            ]
            if let licenses = package.licenses, !licenses.isEmpty {
                component["licenses"] = .array(licenses.map { .object(["license": .object(["name": .string($0)])]) })
            }
            components.append(.object(component))
        }
        var document: [String: JSONValue] = [
            "bomFormat": .string("CycloneDX"), "specVersion": .string("1.5"), "version": .number(1),
            "serialNumber": .string("urn:uuid:" + DeterministicUUID.make(from: report.target + (report.digest ?? "") + report.scannedAt)),
            "metadata": .object([
                "timestamp": .string(report.scannedAt),
                "tools": .object(["components": .array([.object(["type": .string("application"), "name": .string("hydra"), "version": .string(toolVersion)])])]),
                "component": .object([
                    "bom-ref": .string("image"), "type": .string("container"), "name": .string(report.target),
                    "version": report.digest.map { .string($0) } ?? .null,
                ]),
            ]),
            "components": .array(components),
        ]
        if withVulnerabilities {
            document["vulnerabilities"] = .array(report.findings.map { finding in
                var rating: [String: JSONValue] = ["severity": .string(finding.severity == .unknown ? "unknown" : finding.severity.rawValue.lowercased())]
                if let score = finding.score { rating["score"] = .number(score) }
                if let vector = finding.vector {
                    rating["vector"] = .string(vector)
                    rating["method"] = .string(vector.hasPrefix("CVSS:3.1") ? "CVSSv31" : vector.hasPrefix("CVSS:4") ? "CVSSv4" : "CVSSv3")
                } else if finding.severitySource != nil {
                    rating["method"] = .string("other")
                }
                // Where the rating comes from, as CycloneDX names a rating's source.
                if let source = finding.severitySource { rating["source"] = .object(["name": .string(source)]) }
                var vulnerability: [String: JSONValue] = [
                    "bom-ref": .string("\(finding.id)#\(finding.purl)"),
                    "id": .string(finding.id),
                    "source": .object(["name": .string(finding.sources.joined(separator: ","))]),
                    "ratings": .array([.object(rating)]),
                    "affects": .array([.object(["ref": .string(references[finding.purl + "\u{0}" + finding.location] ?? finding.purl)])]),
                    "references": .array(finding.aliases.map { .object(["id": .string($0), "source": .object(["name": .string(VulnerabilityMatcher.source(of: $0))])]) }),
                ]
                if let summary = finding.summary { vulnerability["description"] = .string(summary) }
                if let fixed = finding.fixedVersion { vulnerability["recommendation"] = .string("Upgrade \(finding.package) to \(fixed)") }
                return .object(vulnerability)
            })
        }
        return .object(document)
    }
}
