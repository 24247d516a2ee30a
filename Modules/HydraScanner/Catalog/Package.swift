/// What kind of package a cataloger found; it decides the advisory ecosystem and the purl type.
public enum PackageType: String, Sendable, Codable, CaseIterable {
    case deb, apk, rpm, python, npm, gomod = "go-module", gobinary = "go-stdlib", cargo, maven, gem, composer, nuget

    /// A distribution's package (dpkg, apk, rpm), as opposed to a language package.
    public var isDistro: Bool { self == .deb || self == .apk || self == .rpm }
}

/// An installed package.
public struct Package: Sendable, Codable, Hashable {
    public var name: String
    public var version: String
    public var type: PackageType
    /// For distro packages: the source package it was built from (dpkg `Source:`, apk origin, the source rpm).
    public var sourceName: String?
    public var sourceVersion: String?
    /// Where it was found: the database or the file that lists it.
    public var location: String
    /// The index of the layer that introduced it.
    public var layer: Int?
    /// The layer's blob digest (as the manifest lists it), filled in by the scanner.
    public var layerDigest: String?
    /// The layer's diff id (the digest of its uncompressed tar, as the config lists it).
    public var layerDiffID: String?
    public var licenses: [String]?
    /// Maven `group:artifact` names, PyPI names as written, Go module paths …
    public var purl: String

    public init(name: String, version: String, type: PackageType, location: String, layer: Int? = nil,
                sourceName: String? = nil, sourceVersion: String? = nil, licenses: [String]? = nil, distro: OperatingSystem? = nil) {
        self.name = name
        self.version = version
        self.type = type
        self.location = location
        self.layer = layer
        self.sourceName = sourceName
        self.sourceVersion = sourceVersion
        self.licenses = licenses
        self.purl = PackageURL.make(name: name, version: version, type: type, distro: distro, sourceName: sourceName)
    }
}
