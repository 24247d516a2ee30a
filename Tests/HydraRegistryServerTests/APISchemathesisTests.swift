import Foundation
import HydraTestSupport
import Testing

/// Schemathesis (PyPI, from `scripts/install-deps.sh`) against the REST API's served OpenAPI document on a real
/// `hydra serve` with projects: every operation, with schema-valid and schema-violating requests, the stateful
/// sequences its links declare (create a project, then read, change, add members to and delete it), and every
/// check (no 5xx, each response conforming to the document, valid data accepted, invalid data refused) — as a system
/// administrator, a project member and anonymously. A fixed seed keeps runs repeatable.
@Suite("REST API under schemathesis", .serialized)
struct APISchemathesisTests {
    static var schemathesis: String {
        (ProcessInfo.processInfo.environment["HYDRA_CACHE"] ?? (NSHomeDirectory() + "/.cache/hydra")) + "/python-schemathesis"
    }

    @Test("every operation, every check, stateful links: no failures as an administrator, a developer or anonymously",
          arguments: [("root", 30), ("dev", 10), (nil, 10)] as [(String?, Int)])
    func fuzz(user: String?, examples: Int) throws {
        let registry = try ProjectAccessTests.registry()
        let dir = TemporaryDirectory("hydra-schemathesis")
        // Links are the document's own; schemathesis's guessed ones put values where they do not belong.
        try dir.write("schemathesis.toml", "[phases.stateful.inference]\nalgorithms = []\n")
        // In the temporary directory: schemathesis keeps a `.schemathesis/` cache where it runs.
        var arguments = ["env", "-C", dir.path, "python3", Self.schemathesis + "/bin/st", "--config-file", dir("schemathesis.toml"), "run",
                         registry.base + "/api/v2.0/openapi.yaml", "--checks", "all", "--max-examples", String(examples),
                         "--seed", "7", "--no-color", "--generation-database", "none"]
        if let user { arguments += ["--auth", "\(user):pw-\(user)"] }
        let result = try Tool.run(arguments, environment: ["PYTHONPATH": Self.schemathesis, "SCHEMATHESIS_HOOKS": ""])
        let summary = result.stdout.components(separatedBy: "SUMMARY").last ?? result.stdout
        #expect(result.succeeded, "schemathesis as \(user ?? "anonymous"):\n\(result.stdout.suffix(6000))\n\(result.stderr.suffix(2000))")
        let document = try String(contentsOfFile: BusyboxImage.repositoryRoot + "/Modules/HydraRegistryAPI/openapi.yaml", encoding: .utf8)
        // Operations' ids, not the links' (which name operations deeper in).
        let operations = document.split(separator: "\n").filter { $0.hasPrefix("      operationId:") }.count
        #expect(operations > 20 && summary.contains("Tested: \(operations)"), "every one of the document's \(operations) operations is tested:\n\(summary)")
        #expect(!summary.contains("failure"), "\(summary)")
    }
}
