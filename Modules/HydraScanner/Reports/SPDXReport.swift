import HydraOCI

/// SPDX 2.3 JSON: the image as the described package, a package per installed package with its purl, and
/// `CONTAINS` relationships. See https://spdx.github.io/spdx-spec/v2.3/
enum SPDXReport {
    static func document(_ report: ScanReport, toolVersion: String) -> JSONValue {
        let imageID = "SPDXRef-Image"
        var packages: [JSONValue] = [.object([
            "SPDXID": .string(imageID), "name": .string(report.target), "versionInfo": report.digest.map { .string($0) } ?? .null,
            "downloadLocation": .string("NOASSERTION"), "filesAnalyzed": .bool(false),
            "primaryPackagePurpose": .string("CONTAINER"),
        ])]
        var relationships: [JSONValue] = [.object([
            "spdxElementId": .string("SPDXRef-DOCUMENT"), "relationshipType": .string("DESCRIBES"), "relatedSpdxElement": .string(imageID),
        ])]
        for (index, package) in report.packages.enumerated() {
            let id = "SPDXRef-Package-\(index + 1)"
            packages.append(.object([
                "SPDXID": .string(id), "name": .string(package.name), "versionInfo": .string(package.version),
                "downloadLocation": .string("NOASSERTION"), "filesAnalyzed": .bool(false),
                // Catalogued licence texts are not SPDX expressions: asserted as unknown rather than guessed.
                "licenseConcluded": .string("NOASSERTION"), "licenseDeclared": .string("NOASSERTION"),
                "sourceInfo": .string("found in \(package.location)" + (package.layerDigest.map { " (layer \($0))" } ?? "")),
                "externalRefs": .array([.object([
                    "referenceCategory": .string("PACKAGE-MANAGER"), "referenceType": .string("purl"), "referenceLocator": .string(package.purl),
                ])]),
            ]))
            relationships.append(.object([
                "spdxElementId": .string(imageID), "relationshipType": .string("CONTAINS"), "relatedSpdxElement": .string(id),
            ]))
        }
        return .object([
            "spdxVersion": .string("SPDX-2.3"), "dataLicense": .string("CC0-1.0"), "SPDXID": .string("SPDXRef-DOCUMENT"),
            "name": .string(report.target),
            "documentNamespace": .string("https://hydra.invalid/spdx/" + DeterministicUUID.make(from: report.target + (report.digest ?? "") + report.scannedAt)),
            "creationInfo": .object(["created": .string(report.scannedAt), "creators": .array([.string("Tool: hydra-\(toolVersion)")])]),
            "packages": .array(packages),
            "relationships": .array(relationships),
        ])
    }
}
