import Foundation
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

/// hydra's Alpine, RubyGems, Packagist and npm findings against an independent Python reading of the native feeds
/// (Fixtures/lang_oracle.py), whose own version orders are first checked against osv-scalibr's vectors: the
/// (package, advisory) pairs must be the same.
@Suite("Alpine and language findings match an independent oracle")
struct FeedOracleTests {
    static let oracle = ScannerFixtures.directory + "/lang_oracle.py"

    /// Alpine 3.19 packages as `apk` installs them (name, origin, version): real names, versions of the release's
    /// first weeks, some older than published fixes and some not.
    static let alpine: [(String, String, String)] = [
        ("libcrypto3", "openssl", "3.1.4-r0"), ("libssl3", "openssl", "3.1.4-r0"), ("busybox", "busybox", "1.36.1-r15"),
        ("libcurl", "curl", "8.5.0-r0"), ("zlib", "zlib", "1.3-r2"), ("libexpat", "expat", "2.5.0-r2"),
        ("libxml2", "libxml2", "2.11.6-r0"), ("sqlite-libs", "sqlite", "3.44.2-r0"), ("openssh-client-default", "openssh", "9.6_p1-r0"),
        ("ncurses-libs", "ncurses", "6.4_p20231125-r0"), ("git", "git", "2.43.0-r0"), ("python3", "python3", "3.11.6-r1"),
        ("nghttp2-libs", "nghttp2", "1.58.0-r0"), ("c-ares", "c-ares", "1.24.0-r0"), ("libarchive", "libarchive", "3.7.2-r0"),
        ("tiff", "tiff", "4.6.0-r0"), ("libx11", "libx11", "1.8.7-r0"), ("pcre2", "pcre2", "10.42-r2"), ("xz-libs", "xz", "5.4.5-r0"),
        ("perl", "perl", "5.38.2-r0"), ("krb5-libs", "krb5", "1.21.2-r0"), ("libssh2", "libssh2", "1.11.0-r0"),
        ("nginx", "nginx", "1.24.0-r15"), ("postgresql16", "postgresql16", "16.1-r0"), ("musl", "musl", "1.2.4_git20230717-r4"),
        ("gnutls", "gnutls", "3.8.3-r0"), ("unbound-libs", "unbound", "1.19.0-r0"), ("redis", "redis", "7.2.3-r0"),
    ]

    static let gemfileLock = """
        GIT
          remote: https://example.invalid/ours.git
          revision: 0123456789abcdef
          specs:
            ours (0.1.0)

        GEM
          remote: https://rubygems.org/
          specs:
            actionpack (5.2.0)
              actionview (= 5.2.0)
              rack (~> 2.0)
            actionview (5.2.0)
            activerecord (5.2.0)
            activestorage (5.2.0)
            activesupport (5.2.0)
            addressable (2.7.0)
            devise (4.4.0)
            json (2.1.0)
            loofah (2.2.0)
            mail (2.7.0)
            nokogiri (1.10.0-x86_64-linux)
            puma (3.11.0)
            rack (2.0.1)
            rails-html-sanitizer (1.0.3)
            rexml (3.1.9)
            rubyzip (1.2.1)
            sprockets (3.7.1)
            websocket-extensions (0.1.3)

        PLATFORMS
          x86_64-linux

        DEPENDENCIES
          rails (= 5.2.0)

        BUNDLED WITH
           2.1.4

        """

    static let composerLock: [(String, String)] = [
        ("symfony/http-kernel", "v4.4.0"), ("symfony/http-foundation", "v4.4.0"), ("symfony/security-http", "v4.4.0"),
        ("laravel/framework", "v6.0.0"), ("guzzlehttp/guzzle", "6.5.0"), ("guzzlehttp/psr7", "1.6.1"), ("twig/twig", "v2.10.0"),
        ("phpmailer/phpmailer", "v6.0.0"), ("league/flysystem", "1.0.60"), ("dompdf/dompdf", "v0.8.3"),
        ("firebase/php-jwt", "v5.0.0"), ("smarty/smarty", "v3.1.33"), ("monolog/monolog", "1.25.0"),
    ]

    static let npmLock: [(String, String)] = [
        ("lodash", "4.17.4"), ("minimist", "1.2.0"), ("express", "4.15.0"), ("handlebars", "4.0.5"), ("jquery", "2.2.4"),
        ("moment", "2.18.0"), ("debug", "2.6.0"), ("qs", "6.2.0"), ("marked", "0.3.5"), ("ws", "1.1.0"), ("mime", "1.3.4"),
        ("tar", "2.2.1"), ("uglify-js", "2.4.0"), ("hoek", "4.2.0"), ("morgan", "1.9.0"), ("fresh", "0.5.0"),
        // Ranges the feed writes in every style: `2.0.x || 2.1.x`, `>= 1.x`, pre-releases, a `v` prefix, no patch.
        ("sequelize", "3.19.0"), ("hapi", "2.1.2"), ("swagger-ui", "2.1.4"), ("serve", "6.4.0"), ("sanitize-html", "1.4.2"),
        ("validator", "3.22.0"), ("mqtt", "2.14.0"), ("npm", "3.8.0"), ("remarkable", "1.6.2"), ("send", "0.10.0"),
        ("i18next", "3.4.3"), ("is-my-json-valid", "2.16.0"), ("https-proxy-agent", "2.1.1"), ("mysql", "2.0.0-rc1"),
        ("harp", "0.29.0"), ("html-janitor", "2.0.2"),
    ]

    /// Runs the oracle on the packages of `type` and returns its (package, advisory) pairs.
    func oracle(_ arguments: [String], packages: [Package]) throws -> Set<String> {
        let input = packages.map { ["name": $0.name, "version": $0.version, "source": $0.sourceName ?? $0.name] }
        let result = try Tool.run(["/usr/bin/python3", Self.oracle] + arguments, input: try JSONSerialization.data(withJSONObject: input))
        #expect(result.succeeded, "\(result.stderr)")
        let pairs = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String]] ?? []
        return Set(pairs.map { $0.joined(separator: " ") })
    }

    /// hydra's pairs for the packages of one type.
    func hydra(_ catalog: Catalog, database: AdvisoryDatabase, type: PackageType) throws -> Set<String> {
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog).filter { $0.packageType == type }
        return Set(findings.flatMap { finding in finding.advisories.map { "\(finding.package) \($0)" } })
    }

    func agree(_ mine: Set<String>, _ theirs: Set<String>, atLeast: Int) {
        #expect(mine.subtracting(theirs).sorted() == [], "hydra only")
        #expect(theirs.subtracting(mine).sorted() == [], "oracle only")
        #expect(theirs.count >= atLeast, "the fixture should exercise the matcher, not agree on nothing")
    }

    @Test("the oracle's apk, SemVer, RubyGems and Composer orders agree with every osv-scalibr vector")
    func oracleOrders() throws {
        let result = try Tool.run(["/usr/bin/python3", Self.oracle, "selfcheck", ScannerFixtures.directory + "/version-vectors"])
        #expect(result.succeeded, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [Any]])
        #expect(report.count == 7)
        for (file, entry) in report {
            let checked = entry.first as? Int ?? 0
            let failures = entry.last as? [String] ?? ["unreadable"]
            #expect(checked > 20, "\(file): \(checked) vectors")
            #expect(failures.isEmpty, "\(file): \(failures.prefix(10))")
        }
    }

    @Test("Alpine 3.19: every secdb finding by origin and nothing else")
    func alpineFindings() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        _ = try await AdvisoryImporter(database: database).importPath(root + "/alpine-secdb-2024/v3.19")
        _ = try directory.write("rootfs/etc/os-release", "ID=alpine\nVERSION_ID=3.19.0\nPRETTY_NAME=\"Alpine Linux v3.19\"\n")
        let installed = Self.alpine.map { name, origin, version in "P:\(name)\nV:\(version)\nA:x86_64\no:\(origin)\n" }.joined(separator: "\n")
        _ = try directory.write("rootfs/lib/apk/db/installed", installed + "\n")
        let catalog = try await ImageCataloger.catalog(rootfs: directory("rootfs"))
        #expect(catalog.packages.count == Self.alpine.count)
        let theirs = try oracle(["alpine", root + "/alpine-secdb-2024/v3.19/main.json"], packages: catalog.packages)
        agree(try hydra(catalog, database: database, type: .apk), theirs, atLeast: 20)
    }

    @Test("Gemfile.lock, composer.lock and package-lock.json: every RubySec, FriendsOfPHP and Node WG finding and nothing else")
    func lockfileFindings() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let importer = AdvisoryImporter(database: database)
        for feed in ["rubysec", "friendsofphp", "nodejs-security-wg"] { _ = try await importer.importPath(root + "/" + feed) }

        _ = try directory.write("rootfs/srv/rails/Gemfile.lock", Self.gemfileLock)
        let composer = ["packages": Self.composerLock.map { ["name": $0.0, "version": $0.1, "type": "library"] }, "packages-dev": []]
        _ = try directory.write("rootfs/srv/php/composer.lock", String(decoding: try JSONSerialization.data(withJSONObject: composer), as: UTF8.self))
        var lockPackages: [String: Any] = ["": ["name": "app", "version": "1.0.0"]]
        for (name, version) in Self.npmLock { lockPackages["node_modules/\(name)"] = ["version": version, "resolved": "https://registry.npmjs.org/\(name)/-/\(name)-\(version).tgz"] }
        let lock: [String: Any] = ["name": "app", "version": "1.0.0", "lockfileVersion": 2, "requires": true, "packages": lockPackages]
        _ = try directory.write("rootfs/srv/node/package-lock.json", String(decoding: try JSONSerialization.data(withJSONObject: lock), as: UTF8.self))
        let catalog = try await ImageCataloger.catalog(rootfs: directory("rootfs"))

        // The lockfile's GEM specs only: not the git-sourced gem, not the platform suffix, not the dependency lines.
        let gems = catalog.packages.filter { $0.type == .gem }
        #expect(Set(gems.map(\.name)).count == 18 && !gems.contains { $0.name == "ours" })
        #expect(gems.first { $0.name == "nokogiri" }?.version == "1.10.0")

        let feeds = root
        agree(try hydra(catalog, database: database, type: .gem),
              try oracle(["rubysec", feeds + "/rubysec/ruby-advisory-db.zip"], packages: gems), atLeast: 25)
        agree(try hydra(catalog, database: database, type: .composer),
              try oracle(["friendsofphp", feeds + "/friendsofphp/security-advisories.zip"], packages: catalog.packages.filter { $0.type == .composer }),
              atLeast: 15)
        agree(try hydra(catalog, database: database, type: .npm),
              try oracle(["npm", feeds + "/nodejs-security-wg/vuln.zip"], packages: catalog.packages.filter { $0.type == .npm }), atLeast: 15)
    }
}
