// swift-tools-version: 6.2
// hydra: build, push, scan, sign and deploy container images. Each Modules/ folder is a library product that
// another Swift package can depend on alone; Apps/hydra is the thin CLI that composes them.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "hydra",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HydraCore", targets: ["HydraCore"]),
        .library(name: "HydraOCI", targets: ["HydraOCI"]),
        .library(name: "HydraRegistryClient", targets: ["HydraRegistryClient"]),
        .library(name: "HydraRegistryServer", targets: ["HydraRegistryServer"]),
        .library(name: "HydraRegistryAPI", targets: ["HydraRegistryAPI"]),
        .library(name: "HydraBuilder", targets: ["HydraBuilder"]),
        .library(name: "HydraScanner", targets: ["HydraScanner"]),
        .library(name: "HydraSigner", targets: ["HydraSigner"]),
        .library(name: "HydraDeploy", targets: ["HydraDeploy"]),
        .library(name: "HydraHTTP", targets: ["HydraHTTP"]),
        .library(name: "HydraS3", targets: ["HydraS3"]),
        .executable(name: "hydra", targets: ["hydra"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.2.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages, each behind a small shim header.
        .systemLibrary(
            name: "CArchive", path: "Modules/CArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Modules/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CZstd", path: "Modules/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        // glibc extras (mallopt, sync_file_range) that the Glibc module does not show.
        .systemLibrary(name: "CHydraSystem", path: "Modules/CHydraSystem"),
        .systemLibrary(
            name: "COpenSSL", path: "Modules/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        // NaCl's secretbox (XSalsa20-Poly1305), which cosign seals its private keys with.
        .systemLibrary(
            name: "CSodium", path: "Modules/CSodium", pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]),
        // OpenLDAP's client library: sign-in against a directory (search + bind, group lookup).
        .systemLibrary(
            name: "CLDAP", path: "Modules/CLDAP", pkgConfig: "ldap",
            providers: [.apt(["libldap-dev"])]),

        .target(
            name: "HydraCore",
            dependencies: [
                "CArchive", "CZlib", "CZstd", "COpenSSL", "CHydraSystem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Modules/HydraCore", swiftSettings: swiftSettings),
        .target(
            name: "HydraOCI",
            dependencies: ["HydraCore", .product(name: "NIOCore", package: "swift-nio")],
            path: "Modules/HydraOCI", swiftSettings: swiftSettings),
        .target(
            name: "HydraRegistryClient",
            dependencies: [
                "HydraCore", "HydraOCI", "HydraRegistryAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Modules/HydraRegistryClient", swiftSettings: swiftSettings),
        // The REST API's types, server stubs and client, generated from openapi.yaml by scripts/generate-api.sh.
        .target(
            name: "HydraRegistryAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Modules/HydraRegistryAPI", exclude: ["openapi.yaml", "openapi-generator-config.yaml"]),
        .target(
            name: "HydraRegistryServer",
            dependencies: [
                "HydraCore", "HydraOCI", "HydraSigner", "HydraHTTP", "HydraS3", "HydraRegistryAPI", "CLDAP",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Modules/HydraRegistryServer", swiftSettings: swiftSettings),
        .target(
            name: "HydraBuilder",
            dependencies: ["HydraCore", "HydraOCI"],
            path: "Modules/HydraBuilder", swiftSettings: swiftSettings),
        .target(
            name: "HydraScanner",
            dependencies: [
                "HydraCore", "HydraOCI", "CHydraSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Modules/HydraScanner", swiftSettings: swiftSettings),
        .target(
            name: "HydraSigner",
            dependencies: [
                "HydraCore", "HydraOCI", "CSodium",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Modules/HydraSigner", swiftSettings: swiftSettings),
        .target(
            name: "HydraHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Modules/HydraHTTP", swiftSettings: swiftSettings),
        .target(
            name: "HydraS3",
            dependencies: [
                "HydraCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Modules/HydraS3", swiftSettings: swiftSettings),
        .target(
            name: "HydraDeploy",
            dependencies: [
                "HydraCore", "HydraOCI", "HydraSigner", "HydraHTTP",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Modules/HydraDeploy", swiftSettings: swiftSettings),
        .executableTarget(
            name: "hydra",
            dependencies: [
                "HydraCore", "HydraOCI", "HydraRegistryServer", "HydraRegistryClient", "HydraBuilder", "HydraScanner", "HydraSigner", "HydraDeploy", "HydraRegistryAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Apps/hydra", swiftSettings: swiftSettings, plugins: ["HydraBuildInfo"]),
        // The commit `hydra version` reports, written before each build of the CLI.
        .plugin(name: "HydraBuildInfo", capability: .buildTool(), path: "Plugins/HydraBuildInfo"),

        // Helpers the test suites share: temp directories and running real tools.
        .target(
            name: "HydraTestSupport", dependencies: ["HydraCore", "HydraOCI"],
            path: "Tests/HydraTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraCoreTests",
            dependencies: ["HydraCore", "HydraTestSupport", "CArchive", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/HydraCoreTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraOCITests", dependencies: ["HydraOCI", "HydraCore", "HydraTestSupport"],
            path: "Tests/HydraOCITests", swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraRegistryServerTests",
            dependencies: [
                "hydra", "HydraRegistryServer", "HydraRegistryClient", "HydraCore", "HydraOCI", "HydraSigner", "HydraTestSupport", "HydraS3",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/HydraRegistryServerTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraS3Tests",
            dependencies: [
                "HydraS3", "HydraCore", "HydraTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/HydraS3Tests", exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraScaleOutTests",
            dependencies: ["hydra", "HydraCore", "HydraOCI", "HydraTestSupport"],
            path: "Tests/HydraScaleOutTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraRegistryClientTests",
            dependencies: [
                "hydra", "HydraRegistryClient", "HydraCore", "HydraOCI", "HydraTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/HydraRegistryClientTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraBuilderTests", dependencies: ["hydra", "HydraBuilder", "HydraCore", "HydraOCI", "HydraTestSupport"],
            path: "Tests/HydraBuilderTests", exclude: ["Corpus"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraScannerTests", dependencies: ["hydra", "HydraScanner", "HydraCore", "HydraOCI", "HydraTestSupport"],
            path: "Tests/HydraScannerTests", exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraSignerTests", dependencies: ["hydra", "HydraSigner", "HydraCore", "HydraOCI", "HydraTestSupport"],
            path: "Tests/HydraSignerTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraDeployTests", dependencies: ["hydra", "HydraDeploy", "HydraCore", "HydraOCI", "HydraTestSupport"],
            path: "Tests/HydraDeployTests", exclude: ["Golden"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HydraCLITests", dependencies: ["hydra", "HydraCore", "HydraOCI", "HydraTestSupport"],
            path: "Tests/HydraCLITests", swiftSettings: swiftSettings),
    ]
)

// `make bench` sets HYDRA_BENCHMARKS=1, so ordinary builds and CI never compile the benchmark executable.
if Context.environment["HYDRA_BENCHMARKS"] != nil {
    package.products.append(.executable(name: "HydraBench", targets: ["HydraBench"]))
    package.targets.append(
        .executableTarget(
            name: "HydraBench",
            dependencies: ["HydraCore", "HydraOCI", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/HydraBench", swiftSettings: swiftSettings))
}

// `make fuzz` sets HYDRA_FUZZ=1 and builds with `-sanitize=fuzzer,address` in its own scratch path, so ordinary
// builds never compile the fuzz targets (libFuzzer supplies their main).
if Context.environment["HYDRA_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "hydra-fuzz",
            dependencies: ["HydraCore", "HydraOCI", "HydraBuilder", "HydraScanner", "HydraSigner", "HydraRegistryServer"],
            path: "Fuzz/HydraFuzz", swiftSettings: swiftSettings))
}
