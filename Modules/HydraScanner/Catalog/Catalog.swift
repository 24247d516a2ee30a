/// What an image holds: its distribution, its layers and every package the catalogers found.
public struct Catalog: Sendable, Codable {
    /// A layer of the image, in order.
    public struct Layer: Sendable, Codable, Hashable {
        public var index: Int
        /// The (compressed) blob's digest.
        public var digest: String?
        /// The uncompressed content's digest, as the config lists it.
        public var diffID: String?
        public var size: Int64?
        /// The instruction that made it, from the image history.
        public var createdBy: String?
    }

    /// What was scanned: a reference, a path.
    public var target: String
    /// The image manifest's digest, for images.
    public var digest: String?
    public var os: OperatingSystem?
    public var layers: [Layer]
    public var packages: [Package]
    /// Files that could not be read completely, and why; the scan goes on without them.
    public var warnings: [String]

    /// Runs every cataloger over the files the layers leave.
    static func build(target: String, digest: String?, layers: [Layer], files: ImageFiles) -> Catalog {
        let os = OperatingSystem.detect(in: files)
        var packages: [Package] = []
        var warnings = files.warnings
        packages += DpkgCataloger.packages(in: files, os: os)
        packages += ApkCataloger.packages(in: files, os: os)
        let rpm = RpmCataloger.packages(in: files, os: os)
        packages += rpm.packages
        warnings += rpm.warnings
        packages += PythonCataloger.packages(in: files)
        let npm = NpmCataloger.packages(in: files)
        packages += npm.packages
        warnings += npm.warnings
        packages += GoCataloger.packages(in: files)
        packages += CargoCataloger.packages(in: files)
        packages += JavaCataloger.packages(in: files)
        packages += GemCataloger.packages(in: files)
        packages += ComposerCataloger.packages(in: files)
        packages += DotnetCataloger.packages(in: files)
        for index in packages.indices {
            if let layer = packages[index].layer, layer < layers.count {
                packages[index].layerDigest = layers[layer].digest
                packages[index].layerDiffID = layers[layer].diffID
            }
        }
        if packages.isEmpty {
            warnings.append("no packages recognised: no OS package database (dpkg, apk, rpm) and no language package files were found; "
                + "the scan cannot find vulnerabilities in what it does not see")
        }
        packages.sort { ($0.type.rawValue, $0.name, $0.version, $0.location) < ($1.type.rawValue, $1.name, $1.version, $1.location) }
        return Catalog(target: target, digest: digest, os: os, layers: layers, packages: packages, warnings: warnings.sorted())
    }
}
