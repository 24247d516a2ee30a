import Foundation
import HydraCore
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

@Suite("Catalogers: language packages, and hostile input")
struct CatalogerTests {
    /// A zip archive made by Python's zipfile: name → contents; `nested` entries are zips themselves.
    static func zip(_ path: String, _ entries: [String: String], nested: [String: String] = [:]) throws {
        let script = """
            import json, sys, zipfile
            entries, nested = json.loads(sys.argv[2]), json.loads(sys.argv[3])
            with zipfile.ZipFile(sys.argv[1], "w") as z:
                for name, body in entries.items():
                    z.writestr(name, body)
                for name, source in nested.items():
                    z.write(source, name)
            """
        let entriesJSON = String(decoding: try JSONSerialization.data(withJSONObject: entries), as: UTF8.self)
        let nestedJSON = String(decoding: try JSONSerialization.data(withJSONObject: nested), as: UTF8.self)
        let result = try Tool.run(["python3", "-c", script, path, entriesJSON, nestedJSON])
        guard result.succeeded else { throw ScannerFixtures.FixtureError(message: result.stderr) }
    }

    @Test("npm, Cargo, Java (nested), gems, Composer, .NET and egg-info packages, with purls")
    func languages() async throws {
        let dir = TemporaryDirectory()
        _ = try dir.write("root/app/node_modules/lodash/package.json", #"{"name": "lodash", "version": "4.17.20", "license": "MIT"}"#)
        _ = try dir.write("root/app/node_modules/@babel/core/package.json", #"{"name": "@babel/core", "version": "7.0.0"}"#)
        _ = try dir.write("root/app/node_modules/lodash/fp/package.json", #"{"name": "not-a-package", "version": "0"}"#)
        _ = try dir.write("root/web/package-lock.json", #"{"lockfileVersion": 3, "packages": {"": {"name": "web"}, "node_modules/minimist": {"version": "1.2.5"}, "node_modules/a/node_modules/ms": {"version": "2.0.0"}}}"#)
        _ = try dir.write("root/src/Cargo.lock", """
            version = 3

            [[package]]
            name = "smallvec"
            version = "1.6.0"
            source = "registry+https://github.com/rust-lang/crates.io-index"

            [[package]]
            name = "myapp"
            version = "0.1.0"
            """)
        _ = try dir.write("root/usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.3.gemspec", "Gem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"2.2.3\"\nend\n")
        _ = try dir.write("root/srv/vendor/composer/installed.json", #"{"packages": [{"name": "guzzlehttp/psr7", "version": "1.8.1", "license": ["MIT"]}]}"#)
        _ = try dir.write("root/srv/app.deps.json", #"{"libraries": {"Newtonsoft.Json/12.0.1": {"type": "package"}, "app/1.0.0": {"type": "project"}}}"#)
        _ = try dir.write("root/usr/lib/python3/dist-packages/six-1.16.0.egg-info", "Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n")
        // Debian's python3-cryptography ships a dist-info and a stale egg-info: one package.
        _ = try dir.write("root/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/METADATA", "Name: cryptography\nVersion: 38.0.4\n\n")
        _ = try dir.write("root/usr/lib/python3/dist-packages/cryptography.egg-info/PKG-INFO", "Name: cryptography\nVersion: 38.0.4\n\n")
        try Self.zip(dir("inner.jar"), ["META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties": "groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n"])
        try FileManager.default.createDirectory(atPath: dir("root/opt"), withIntermediateDirectories: true)
        try Self.zip(dir("root/opt/app.jar"), [
            "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nImplementation-Title: app\r\nImplementation-Version: 3.0\r\n\r\n",
        ], nested: ["BOOT-INF/lib/log4j-core-2.14.1.jar": dir("inner.jar")])
        try Self.zip(dir("root/opt/commons-text-1.9.jar"), ["readme.txt": "no metadata"])

        let catalog = try await ImageCataloger.catalog(rootfs: dir("root"))
        let found = Set(catalog.packages.map { "\($0.type.rawValue) \($0.name) \($0.version)" })
        #expect(found == [
            "npm lodash 4.17.20", "npm @babel/core 7.0.0", "npm minimist 1.2.5", "npm ms 2.0.0", "cargo smallvec 1.6.0",
            "gem rack 2.2.3", "composer guzzlehttp/psr7 1.8.1", "nuget Newtonsoft.Json 12.0.1", "python six 1.16.0", "python cryptography 38.0.4",
            "maven app 3.0", "maven org.apache.logging.log4j:log4j-core 2.14.1", "maven commons-text 1.9",
        ], "\(found)")
        #expect(catalog.packages.filter { $0.name == "cryptography" }.map(\.location) == ["usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/METADATA"])
        let purls = Set(catalog.packages.map(\.purl))
        #expect(purls.contains("pkg:npm/%40babel/core@7.0.0"))
        #expect(purls.contains("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"))
        #expect(purls.contains("pkg:composer/guzzlehttp/psr7@1.8.1"))
        #expect(catalog.packages.first { $0.name.hasSuffix("log4j-core") }?.location == "opt/app.jar!BOOT-INF/lib/log4j-core-2.14.1.jar")
        #expect(catalog.warnings.isEmpty, "\(catalog.warnings)")
    }

    @Test("a truncated layer is an error naming the layer; nothing half-read is reported")
    func truncatedLayer() async throws {
        let dir = TemporaryDirectory()
        var random = SystemRandomNumberGenerator()
        let noise = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        _ = try dir.write("full/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n")
        #expect(FileManager.default.createFile(atPath: dir("full/blob"), contents: Data(noise)))
        let sink = try FileSink(creating: dir("full.tar"))
        try DirectoryArchiver(root: dir("full")).write(into: sink)
        #expect(try Tool.run(["gzip", "-n", "-k", dir("full.tar")]).succeeded)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir("full.tar.gz")))
        #expect(FileManager.default.createFile(atPath: dir("cut.tar.gz"), contents: bytes.prefix(bytes.count / 2)))
        let layout = try LayeredImage.make(in: dir, layers: [.directory(dir("full")), .file(dir("cut.tar.gz"))])
        await #expect {
            _ = try await ImageCataloger.catalog(layout: layout, name: "scan-me")
        } throws: { error in
            "\(error)".contains("layer 2")
        }
    }

    @Test("huge metadata, junk databases, a junk jar and a fake Go header: skipped with warnings, memory bounded")
    func hostileFiles() async throws {
        let dir = TemporaryDirectory()
        // A 24 MiB METADATA: only its first MiB is read; the headers are there.
        let huge = "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n\n" + String(repeating: "x", count: 24 << 20)
        _ = try dir.write("root/usr/lib/python3/site-packages/big-1.0.dist-info/METADATA", huge)
        var random = SystemRandomNumberGenerator()
        func junk(_ count: Int) -> Data { Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }) }
        for path in ["var/lib/dpkg/status", "lib/apk/db/installed", "var/lib/rpm/rpmdb.sqlite", "opt/broken.jar",
                     "app/node_modules/x/package.json", "srv/app.deps.json", "src/Cargo.lock"] {
            try FileManager.default.createDirectory(atPath: dir("root/" + (path as NSString).deletingLastPathComponent), withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: dir("root/" + path), contents: junk(64 << 10)))
        }
        // An ELF file with the Go magic but no build information after it.
        var fake = Data([0x7f, 0x45, 0x4c, 0x46]) + Data(count: 12) + Data([0xff]) + Data(" Go buildinf:".utf8)
        fake += Data([8, 2]) + Data(count: 16) + Data([0xff, 0xff, 0xff, 0xff, 0x0f])
        try FileManager.default.createDirectory(atPath: dir("root/usr/bin"), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir("root/usr/bin/fake"), contents: fake, attributes: [.posixPermissions: 0o755]))

        let catalog = try await ImageCataloger.catalog(rootfs: dir("root"))
        #expect(catalog.packages.map { "\($0.name) \($0.version)" } == ["big 1.0"])
        #expect(catalog.warnings.contains { $0.contains("big-1.0.dist-info/METADATA") && $0.contains("only the first") })
        #expect(catalog.warnings.contains { $0.contains("rpmdb.sqlite") })
        #expect(catalog.warnings.contains { $0.contains("broken.jar") })
        #expect(catalog.warnings.contains { $0.contains("usr/bin/fake") })
    }

    @Test("paths from layers never escape the root; whiteouts and opaque directories hide lower files")
    func layerPaths() async throws {
        let dir = TemporaryDirectory()
        let metadata = { (name: String) in LayeredImage.file("usr/lib/python3/dist-packages/\(name)-1.0.dist-info/METADATA", "Name: \(name)\nVersion: 1.0\n\n") }
        let layout = try LayeredImage.make(in: dir, layers: [
            .entries([metadata("kept"), metadata("deleted"), metadata("opaqued"), LayeredImage.file("../../../etc/os-release", "ID=evil\n")]),
            .entries([
                LayeredImage.whiteout("usr/lib/python3/dist-packages/deleted-1.0.dist-info"),
                (TarEntry(path: "usr/lib/python3/dist-packages/opaqued-1.0.dist-info/.wh..wh..opq", kind: .file), []),
            ]),
        ])
        let catalog = try await ImageCataloger.catalog(layout: layout, name: "scan-me")
        #expect(catalog.packages.map(\.name) == ["kept"])
        #expect(catalog.os == nil)
    }

    @Test("a Rust binary's cargo-auditable data lists its crates.io crates, which match RustSec")
    func cargoAuditable() async throws {
        let dir = TemporaryDirectory()
        let json = #"{"packages":[{"name":"smallvec","version":"1.6.0","source":"crates.io","kind":"runtime"},"#
            + #"{"name":"myapp","version":"0.1.0","source":"local","kind":"runtime","root":true},"#
            + #"{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"}]}"#
        _ = try dir.write("deps.json", json)
        let compress = try Tool.run(["python3", "-c", "import sys, zlib; open(sys.argv[2], 'wb').write(zlib.compress(open(sys.argv[1], 'rb').read()))", dir("deps.json"), dir("deps.zlib")])
        #expect(compress.succeeded)
        try FileManager.default.createDirectory(atPath: dir("root/usr/bin"), withIntermediateDirectories: true)
        let objcopy = try Tool.run(["objcopy", "--add-section", ".dep-v0=\(dir("deps.zlib"))", "/bin/true", dir("root/usr/bin/rusty")])
        #expect(objcopy.succeeded, "\(objcopy.stderr)")
        let catalog = try await ImageCataloger.catalog(rootfs: dir("root"))
        #expect(catalog.packages.map { "\($0.type.rawValue) \($0.name) \($0.version) \($0.location)" } == ["cargo smallvec 1.6.0 usr/bin/rusty"])

        let database = try AdvisoryDatabase(path: dir("db.sqlite"))
        _ = try await AdvisoryImporter(database: database).importPath(try ScannerFixtures.advisories.get() + "/rustsec-osv")
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog)
        #expect(findings.contains { $0.advisories.contains("RUSTSEC-2021-0003") && $0.fixedVersion == "1.6.1" })
    }

    @Test("a multi-platform index is narrowed to the platform asked for; a single image of another platform is refused")
    func platforms() async throws {
        let dir = TemporaryDirectory()
        let (layout, _, children) = try TestImage.multiPlatformLayout(in: dir)
        let arm = Platform(architecture: "arm64", os: "linux")
        let catalog = try await ImageCataloger.catalog(layout: layout, name: "v1", platform: arm)
        #expect(catalog.digest == children[arm]?.descriptor.digest.description)
        await #expect {
            _ = try await ImageCataloger.catalog(layout: layout, name: "v1", platform: Platform(architecture: "s390x", os: "linux"))
        } throws: { "\($0)".contains("no image for linux/s390x") }
        let single = try LayeredImage.make(in: dir, layers: [.entries([LayeredImage.file("etc/motd", "hi\n")])])
        await #expect {
            _ = try await ImageCataloger.catalog(layout: single, name: "scan-me", platform: Platform(architecture: "riscv64", os: "linux"))
        } throws: { "\($0)".contains("the image is for") }
    }

    @Test("yarn (v1 and Berry) and pnpm (v5, v6, v9) lockfiles")
    func javascriptLockfiles() async throws {
        let dir = TemporaryDirectory()
        _ = try dir.write("root/a/yarn.lock", """
            # THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
            # yarn lockfile v1


            "@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
              version "7.12.13"
              resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz"
              dependencies:
                "@babel/highlight" "^7.12.13"

            lodash@^4.17.20:
              version "4.17.20"
            """)
        _ = try dir.write("root/b/yarn.lock", """
            __metadata:
              version: 6
              cacheKey: 8

            "minimist@npm:^1.2.0":
              version: 1.2.5
              resolution: "minimist@npm:1.2.5"

            "web@workspace:.":
              version: 0.0.0-use.local
              resolution: "web@workspace:."
            """)
        _ = try dir.write("root/c/pnpm-lock.yaml", """
            lockfileVersion: 5.4

            packages:

              /react-dom/17.0.2_react@17.0.2:
                resolution: {integrity: sha512-x}
              /string_decoder/1.3.0:
                resolution: {integrity: sha512-y}
              /@types/node/18.0.0:
                dev: true
            """)
        _ = try dir.write("root/d/pnpm-lock.yaml", """
            lockfileVersion: '6.0'

            packages:

              /@babel/core@7.0.0:
                resolution: {integrity: sha512-z}

              /ws@8.0.0(bufferutil@4.0.0):
                dev: false
            """)
        _ = try dir.write("root/e/pnpm-lock.yaml", """
            lockfileVersion: '9.0'

            importers:
              .:
                dependencies:
                  ms:
                    specifier: ^2.0.0
                    version: 2.0.0

            packages:

              ms@2.0.0:
                resolution: {integrity: sha512-w}

            snapshots:

              ms@2.0.0: {}
            """)
        let catalog = try await ImageCataloger.catalog(rootfs: dir("root"))
        #expect(Set(catalog.packages.map { "\($0.location) \($0.name) \($0.version)" }) == [
            "a/yarn.lock @babel/code-frame 7.12.13", "a/yarn.lock lodash 4.17.20", "b/yarn.lock minimist 1.2.5",
            "c/pnpm-lock.yaml react-dom 17.0.2", "c/pnpm-lock.yaml string_decoder 1.3.0", "c/pnpm-lock.yaml @types/node 18.0.0",
            "d/pnpm-lock.yaml @babel/core 7.0.0", "d/pnpm-lock.yaml ws 8.0.0", "e/pnpm-lock.yaml ms 2.0.0",
        ])
    }

    @Test("Go build information before Go 1.18 (pointers to string headers) is followed through the ELF program headers")
    func oldGoBuildInfo() async throws {
        let dir = TemporaryDirectory()
        // A minimal ELF64 file laid out as Go 1.16's linker leaves a binary: the build-info header in data, with
        // two pointers to string headers, which point to the version and the module information.
        let script = """
            import struct, sys
            base = 0x400000
            size = 0x1000
            data = bytearray(size)
            data[0:16] = b"\\x7fELF" + bytes([2, 1, 1]) + bytes(9)
            data[16:64] = struct.pack("<HHIQQQIHHHHHH", 2, 0x3e, 1, 0, 64, 0, 0, 64, 56, 1, 64, 0, 0)
            data[64:120] = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
            data[0x100:0x120] = b"\\xff Go buildinf:" + bytes([8, 0]) + struct.pack("<QQ", base + 0x200, base + 0x210)
            version = b"go1.16.5"
            sentinel = bytes(range(0x30, 0x40))
            modinfo = sentinel + b"path\\texample.com/old\\nmod\\texample.com/old\\t(devel)\\t\\ndep\\tgolang.org/x/text\\tv0.3.5\\th1:x=\\n" + sentinel
            data[0x200:0x220] = struct.pack("<QQQQ", base + 0x300, len(version), base + 0x400, len(modinfo))
            data[0x300:0x300 + len(version)] = version
            data[0x400:0x400 + len(modinfo)] = modinfo
            open(sys.argv[1], "wb").write(data)
            """
        try FileManager.default.createDirectory(atPath: dir("root/usr/local/bin"), withIntermediateDirectories: true)
        let made = try Tool.run(["python3", "-c", script, dir("root/usr/local/bin/old")])
        #expect(made.succeeded, "\(made.stderr)")
        #expect(chmod(dir("root/usr/local/bin/old"), 0o755) == 0)
        let catalog = try await ImageCataloger.catalog(rootfs: dir("root"))
        #expect(Set(catalog.packages.map { "\($0.type.rawValue) \($0.name) \($0.version)" }) == ["go-stdlib stdlib 1.16.5", "go-module golang.org/x/text v0.3.5"])
        #expect(catalog.warnings.isEmpty, "\(catalog.warnings)")
        let database = try AdvisoryDatabase(path: dir("db.sqlite"))
        _ = try await AdvisoryImporter(database: database).importPath(try ScannerFixtures.advisories.get() + "/govulndb")
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog)
        #expect(findings.contains { $0.package == "golang.org/x/text" && $0.advisories.contains("GO-2021-0113") && $0.fixedVersion == "0.3.7" })
        #expect(findings.contains { $0.package == "stdlib" })
    }
}
