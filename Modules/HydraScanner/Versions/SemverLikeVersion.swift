/// A version shaped like Semantic Versioning 2.0 but read leniently, as OSV's SemVer-based ecosystems need: an
/// optional leading `v`, any number of dot-separated numeric components (those past `maximumComponents` join
/// the suffix), then a pre-release and build suffix. Components compare by value (missing ones are zero), a
/// version without pre-release beats one with it, pre-release identifiers compare per SemVer §11, and build
/// metadata is ignored. See https://semver.org/spec/v2.0.0.html
public struct SemverLikeVersion: Sendable, CustomStringConvertible {
    public let description: String
    let components: [Substring]
    let suffix: String
    let caseInsensitiveSuffix: Bool

    /// - Parameters:
    ///   - maximumComponents: 3 for SemVer, 4 for NuGet.
    ///   - caseInsensitiveSuffix: NuGet compares pre-release labels ignoring case.
    public init(_ text: String, maximumComponents: Int = 3, caseInsensitiveSuffix: Bool = false) {
        description = text
        var rest = Substring(text)
        if rest.first == "v" { rest = rest.dropFirst() }
        var components: [Substring] = []
        while let first = rest.utf8.first, NumericText.isDigit(first) || first == UInt8(ascii: ".") {
            if first == UInt8(ascii: ".") {
                rest = rest.dropFirst()
                continue
            }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            components.append(digits)
            rest = rest.dropFirst(digits.count)
        }
        var suffix = ""
        if components.count > maximumComponents {
            for extra in components[maximumComponents...] {
                let value = extra.drop { $0 == "0" }
                suffix += "." + (value.isEmpty ? "0" : value)
            }
            components.removeLast(components.count - maximumComponents)
        }
        self.components = components
        self.suffix = suffix + rest
        self.caseInsensitiveSuffix = caseInsensitiveSuffix
    }

    /// The pre-release part: the suffix without build metadata and without its leading `-`.
    var preRelease: Substring {
        let text = caseInsensitiveSuffix ? Substring(suffix.lowercased()) : Substring(suffix)
        let withoutBuild = text.prefix { $0 != "+" }
        return withoutBuild.first == "-" ? withoutBuild.dropFirst() : withoutBuild
    }

    /// -1, 0 or 1.
    public static func compare(_ a: SemverLikeVersion, _ b: SemverLikeVersion) -> Int {
        let components = NumericText.compareComponents(a.components, b.components)
        if components != 0 { return components }
        let left = a.preRelease, right = b.preRelease
        if left.isEmpty != right.isEmpty { return left.isEmpty ? 1 : -1 }
        let leftIdentifiers = left.split(separator: ".", omittingEmptySubsequences: false)
        let rightIdentifiers = right.split(separator: ".", omittingEmptySubsequences: false)
        for (x, y) in zip(leftIdentifiers, rightIdentifiers) {
            let result: Int
            switch (NumericText.isNumber(x), NumericText.isNumber(y)) {
            case (true, true): result = NumericText.compare(x, y)
            case (false, false): result = NumericText.compareBytes(x, y)
            case (true, false): result = -1
            case (false, true): result = 1
            }
            if result != 0 { return result }
        }
        return leftIdentifiers.count == rightIdentifiers.count ? 0 : (leftIdentifiers.count > rightIdentifiers.count ? 1 : -1)
    }
}
