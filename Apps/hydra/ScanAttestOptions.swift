import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import HydraSigner

/// `--attest KEY` on `hydra scan` and `hydra sbom`: the result also goes to the registry as a signed attestation of
/// the image (the scan as cosign's `vuln` predicate, the SBOM as `cyclonedx` or `spdxjson`).
struct ScanAttestOptions: ParsableArguments {
    @Option(help: "Also attach the result to the image as an attestation signed with this private key (the target must be a registry image).")
    var attest: String?

    @Option(help: "With --attest: legacy (cosign 2's .att tag) or bundle (a Sigstore bundle referrer).")
    var signatureFormat: SignatureFormat = .legacy

    @OptionGroup var password: PasswordOptions

    /// The image to scan and attest, pinned: the registry reference and the digest its tag points to now, so the
    /// attestation is about the manifest that was scanned even if the tag moves meanwhile. Nil without `--attest`.
    func pin(_ target: String, registry: RegistryOptions) async throws -> Pinned? {
        guard let attest else { return nil }
        // Read the key first: a wrong password should not cost a scan.
        let key = try KeyFiles.privateKey(at: attest, password: password.source)
        let reference: Reference
        do { reference = try registryReference(target) } catch { throw ValidationError("--attest attaches to a registry image, and \(target) is not one: \(error)") }
        let repository = try registry.access.repository(reference)
        let digest = try await repository.digest(of: reference)
        return Pinned(reference: reference, digest: digest, repository: repository, key: key, format: signatureFormat)
    }

    struct Pinned {
        let reference: Reference
        let digest: Digest
        let repository: RemoteRepository
        let key: SigningKey
        let format: SignatureFormat

        /// What to scan: the repository at the pinned digest.
        var target: String { "docker://\(reference.name)@\(digest)" }

        /// Attaches `predicate` and says so on stderr (stdout holds the report).
        func attach(_ predicate: AttestationPredicate) async throws {
            let attested = try await ImageAttestations.attest(
                digest: digest, repository: reference.name, predicate: predicate, key: key, format: format, registry: repository)
            Console.error(attested.describe(repository: reference.name))
        }
    }
}
