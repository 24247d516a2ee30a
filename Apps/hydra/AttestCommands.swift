import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import HydraSigner

/// `hydra attest IMAGE --key KEY --predicate FILE --type T`: a signed in-toto statement about the manifest the
/// reference resolves to, stored as cosign stores attestations (`.att` tag, or a bundle referrer).
struct AttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest", abstract: "Attach a signed attestation (an SBOM, provenance, a scan, VEX …) to an image in a registry (cosign-compatible, offline).")

    @Argument(help: "[docker://]REGISTRY/REPO[:TAG|@DIGEST].")
    var image: String

    @Option(help: "The private key (cosign's sealed format or PEM).")
    var key: String

    @Option(help: "The predicate: a JSON file (text for spdx and custom).")
    var predicate: String

    @Option(help: "The predicate type: cyclonedx, spdx, spdxjson, slsaprovenance, slsaprovenance02, slsaprovenance1, link, openvex, vuln, custom, or a URI.")
    var type = "custom"

    @Flag(help: "Remove this predicate type's attestations already at the .att tag first (legacy format).")
    var replace = false

    @Option(help: "legacy: cosign 2's sha256-<hex>.att tag; bundle: a Sigstore bundle as an OCI 1.1 referrer (cosign 3's default).")
    var signatureFormat: SignatureFormat = .legacy

    @OptionGroup var password: PasswordOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        do { _ = try AttestationPredicate.typeURI(type) } catch { throw ValidationError("--type: \(error)") }
    }

    func run() async throws {
        try await options.run {
            let bytes = try FileSystem.readFile(predicate)
            let statement = try AttestationPredicate(type: type, bytes: bytes, file: predicate)
            let signingKey = try KeyFiles.privateKey(at: key, password: password.source)
            let target = try registryReference(image)
            let repository = try registry.access.repository(target)
            let digest = try await repository.digest(of: target)
            let attested = try await ImageAttestations.attest(
                digest: digest, repository: target.name, predicate: statement, key: signingKey, format: signatureFormat, replace: replace, registry: repository)
            if options.format == .json { return try Console.json(attested) }
            Console.print(attested.describe(repository: target.name))
        }
    }
}

extension SignatureFormat: ExpressibleByArgument {}

extension ImageAttestations.Attested {
    /// One line for a terminal.
    func describe(repository: String) -> String {
        switch format {
        case .legacy:
            let count = attestations ?? 0
            let replacedText = (replaced ?? 0) > 0 ? ", \(replaced ?? 0) replaced" : ""
            return "Attested \(image) (\(predicateType)): \(repository):\(tag ?? "") holds \(count) attestation\(count == 1 ? "" : "s")\(replacedText)"
        case .bundle:
            return "Attested \(image) (\(predicateType)): bundle referrer \(manifestDigest)"
        }
    }
}

/// `hydra verify-attestation IMAGE --key PUB [--type T]`: every attestation of the image checked offline. Exit 0
/// when one of the type verifies, 1 when none does (a reason per candidate), 2 when it could not check.
struct VerifyAttestationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-attestation", abstract: "Verify an image's attestations with a public key (cosign's formats; offline, no tlog).",
        discussion: "Exit status: 0 an attestation verifies; 1 none does; 2 the check could not be made. --format json prints every candidate with its verified statement.")

    @Argument(help: "[docker://]REGISTRY/REPO[:TAG|@DIGEST].")
    var image: String

    @Option(help: "The public key (or a private key file, whose public half is used).")
    var key: String

    @Option(help: "Only this predicate type (a short name as for attest, or a URI); default: any.")
    var type: String?

    @OptionGroup var password: PasswordOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        do { _ = try type.map { try AttestationPredicate.typeURI($0) } } catch { throw ValidationError("--type: \(error)") }
    }

    func run() async throws {
        try await options.run {
            let verdicts: [SignatureVerdict]
            let target = try registryReference(image)
            let wanted = try type.map { try AttestationPredicate.typeURI($0) }
            do {
                let publicKey = try KeyFiles.publicKey(at: key, password: password.source)
                let repository = try registry.access.repository(target)
                let digest = try await repository.digest(of: target)
                verdicts = try await ImageAttestations.verify(digest: digest, key: publicKey, predicateType: wanted, source: repository)
            } catch {
                throw CouldNotVerify(reason: "\(error)")
            }
            try report(verdicts, image: image, format: options.format, noneFound: "no attestations\(wanted.map { " of type \($0)" } ?? "")") { verdict in
                "Verified \(image): \(verdict.predicateType ?? "") attestation (\(verdict.format == "bundle" ? "bundle referrer" : "legacy layer") \(verdict.layer))"
            }
        }
    }
}
