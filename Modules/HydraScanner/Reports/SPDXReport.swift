import Foundation
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
        var extracted: [String: String] = [:]
        for (index, package) in report.packages.enumerated() {
            let id = "SPDXRef-Package-\(index + 1)"
            let declared = SPDXLicense.expression(package.licenses ?? [], extracted: &extracted)
            packages.append(.object([
                "SPDXID": .string(id), "name": .string(package.name), "versionInfo": .string(package.version),
                "downloadLocation": .string("NOASSERTION"), "filesAnalyzed": .bool(false),
                // Declared as the package's metadata says (the licence CycloneDX lists); concluded is an analysis hydra
                // does not make.
                "licenseConcluded": .string("NOASSERTION"), "licenseDeclared": .string(declared),
                "sourceInfo": .string("found in \(package.location)" + (package.layerDigest.map { " (layer \($0))" } ?? "")),
                "externalRefs": .array([.object([
                    "referenceCategory": .string("PACKAGE-MANAGER"), "referenceType": .string("purl"), "referenceLocator": .string(package.purl),
                ])]),
            ]))
            relationships.append(.object([
                "spdxElementId": .string(imageID), "relationshipType": .string("CONTAINS"), "relatedSpdxElement": .string(id),
            ]))
        }
        var document: [String: JSONValue] = [
            "spdxVersion": .string("SPDX-2.3"), "dataLicense": .string("CC0-1.0"), "SPDXID": .string("SPDXRef-DOCUMENT"),
            "name": .string(report.target),
            "documentNamespace": .string("https://hydra.invalid/spdx/" + DeterministicUUID.make(from: report.target + (report.digest ?? "") + report.scannedAt)),
            "creationInfo": .object(["created": .string(report.scannedAt), "creators": .array([.string("Tool: hydra-\(toolVersion)")])]),
            "packages": .array(packages),
            "relationships": .array(relationships),
        ]
        if !extracted.isEmpty {
            document["hasExtractedLicensingInfos"] = .array(extracted.sorted { $0.key < $1.key }.map { id, text in
                .object(["licenseId": .string(id), "extractedText": .string(text), "name": .string(text)])
            })
        }
        return .object(document)
    }
}

/// A package's declared licences as an SPDX license expression: SPDX identifiers from the list's common entries
/// (`MIT`, `Apache-2.0`, `GPL-2.0-or-later`, in any case) and expressions made of them (`MIT OR Apache-2.0`) are
/// kept; any other text (`BSD License`, a licence's full title) becomes a `LicenseRef-` whose text is listed in
/// `hasExtractedLicensingInfos`, so validators never meet an unknown identifier. No licence is `NOASSERTION`.
enum SPDXLicense {
    static func expression(_ licenses: [String], extracted: inout [String: String]) -> String {
        let parts = licenses.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { return "NOASSERTION" }
        let terms = parts.map { license -> String in
            if let expression = canonicalExpression(license) {
                return parts.count > 1 && expression.contains(" ") ? "(\(expression))" : expression
            }
            let id = "LicenseRef-" + String(license.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "-" })
            extracted[id] = license
            return id
        }
        return terms.joined(separator: " AND ")
    }

    /// The text as an expression of known identifiers joined by AND, OR and WITH (an exception after WITH), in the
    /// list's spelling; nil when it is anything else.
    static func canonicalExpression(_ text: String) -> String? {
        let words = text.split(separator: " ")
        var out: [String] = []
        var expectIdentifier = true
        var afterWith = false
        for word in words {
            if expectIdentifier {
                let table = afterWith ? exceptions : identifiers
                guard let known = table[word.lowercased()] else { return nil }
                out.append(known)
            } else {
                let keyword = word.uppercased()
                guard ["AND", "OR", "WITH"].contains(keyword) else { return nil }
                afterWith = keyword == "WITH"
                out.append(keyword)
            }
            expectIdentifier.toggle()
        }
        return out.isEmpty || expectIdentifier ? nil : out.joined(separator: " ")
    }

    private static let identifiers: [String: String] = Dictionary(uniqueKeysWithValues: [
        "0BSD", "AFL-2.1", "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0", "Artistic-1.0",
        "Artistic-1.0-Perl", "Artistic-2.0", "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-3-Clause", "BSD-4-Clause",
        "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1", "curl",
        "EPL-1.0", "EPL-2.0", "EUPL-1.2", "FTL", "GFDL-1.3", "GPL-1.0-or-later", "GPL-2.0", "GPL-2.0+", "GPL-2.0-only",
        "GPL-2.0-or-later", "GPL-3.0", "GPL-3.0+", "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ICU", "IJG", "ISC",
        "LGPL-2.0", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1+", "LGPL-2.1-only", "LGPL-2.1-or-later",
        "LGPL-3.0", "LGPL-3.0+", "LGPL-3.0-only", "LGPL-3.0-or-later", "libpng-2.0", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0",
        "MS-PL", "NCSA", "OFL-1.1", "OpenSSL", "PHP-3.0", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby",
        "Sleepycat", "Unicode-3.0", "Unicode-DFS-2016", "Unlicense", "UPL-1.0", "Vim", "W3C", "WTFPL", "X11", "Zlib", "ZPL-2.1",
    ].map { ($0.lowercased(), $0) })

    private static let exceptions: [String: String] = Dictionary(uniqueKeysWithValues: [
        "Autoconf-exception-3.0", "Bison-exception-2.2", "Classpath-exception-2.0", "GCC-exception-3.1", "LLVM-exception",
        "OpenSSL-exception",
    ].map { ($0.lowercased(), $0) })
}
