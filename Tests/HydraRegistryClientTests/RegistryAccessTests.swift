import Foundation
@testable import HydraRegistryClient
import HydraTestSupport
import Testing

/// Which credentials and transport a registry gets: explicit credentials over the credentials file, insecure hosts
/// from `HYDRA_INSECURE_REGISTRIES`.
@Suite("Registry access policy")
struct RegistryAccessTests {
    @Test("HYDRA_INSECURE_REGISTRIES lists hosts, spaces and empty items ignored")
    func insecureList() {
        #expect(RegistryAccess.insecureRegistries(environment: ["HYDRA_INSECURE_REGISTRIES": " a:5000, b ,,"]) == ["a:5000", "b"])
        #expect(RegistryAccess.insecureRegistries(environment: [:]).isEmpty)
    }

    @Test("explicit credentials win over the file; the file answers otherwise; bad --creds is a usage error")
    func precedence() throws {
        let dir = TemporaryDirectory()
        let file = AuthFile(path: dir("auth.json"))
        try file.store(RegistryCredentials(username: "from-file", password: "p"), for: "reg.example")
        let fromFile = RegistryAccess(configuration: RegistryClientConfiguration(), authFile: file, insecureRegistries: ["reg.example"])
        let client = try fromFile.client(for: "reg.example")
        #expect(client.credentials?.username == "from-file" && client.configuration.transport == .insecure)
        #expect(try fromFile.client(for: "other.example").credentials == nil)
        #expect(try fromFile.client(for: "other.example").configuration.transport == .https)
        let explicit = RegistryAccess(credentials: RegistryCredentials(username: "given", password: "q"), configuration: RegistryClientConfiguration(), authFile: file)
        #expect(try explicit.client(for: "reg.example").credentials?.username == "given")
        let bad = try Tool.run([HydraBinary.path, "ls", "reg.example/x", "--creds", "no-colon"])
        #expect(bad.status == 2 && bad.stderr.contains("USER:PASSWORD"), "\(bad.stderr)")
    }
}
