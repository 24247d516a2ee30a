import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import HydraSigner

/// `-a key=value` pairs.
func annotationPairs(_ pairs: [String]) throws -> [String: String] {
    var result: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { throw ValidationError("-a \(pair): expected KEY=VALUE") }
        result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    return result
}

/// `hydra sign IMAGE --key KEY`: signs the manifest an image reference resolves to (a tag signs its digest), the
/// signature stored as cosign stores it (`sha256-<hex>.sig`, appended to signatures already there).
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign an image in a registry with a key (cosign-compatible signature, offline).")

    @Argument(help: "[docker://]REGISTRY/REPO[:TAG|@DIGEST].")
    var image: String

    @Option(help: "The private key (cosign's sealed format or PEM).")
    var key: String

    @Option(name: .shortAndLong, help: "An annotation KEY=VALUE for the signed payload (repeatable).")
    var annotations: [String] = []

    @Option(help: "The identity the payload claims (default: REGISTRY/REPO); REGISTRY/REPO:TAG satisfies containers/image's matchRepoDigestOrExact for that tag.")
    var signContainerIdentity: String?

    @Flag(help: "For a multi-platform image, also sign every platform's manifest.")
    var recursive = false

    @Option(help: "legacy: cosign 2's sha256-<hex>.sig tag (what containers/image verifies); bundle: a Sigstore bundle v0.3 as an OCI 1.1 referrer (cosign 3's default). (--format stays the output's rendering.)")
    var signatureFormat = "legacy"

    @OptionGroup var password: PasswordOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let pairs = try annotationPairs(annotations)
            guard ["legacy", "bundle"].contains(signatureFormat) else { throw ValidationError("--signature-format \(signatureFormat): legacy or bundle") }
            let signingKey = try KeyFiles.privateKey(at: key, password: password.source)
            let target = try registryReference(image)
            let repository = try registry.access.repository(target)
            let digest = try await repository.digest(of: target)
            if signatureFormat == "bundle" {
                guard pairs.isEmpty else { throw ValidationError("-a annotations go into legacy signatures; a bundle signature carries none") }
                var referrers: [String] = []
                for manifest in try await LegacySignatures.targets(of: digest, in: repository, recursive: recursive) {
                    let subject = try await repository.resolve(manifest.description)
                    referrers.append(try await BundleSignatures.sign(subject: subject, repository: target.name, key: signingKey, registry: repository).description)
                    if options.format != .json { Console.print("Signed \(target.name)@\(manifest): bundle referrer \(referrers.last ?? "")") }
                }
                if options.format == .json { try Console.json(referrers) }
                return
            }
            var results: [LegacySignatures.Signed] = []
            for manifest in try await LegacySignatures.targets(of: digest, in: repository, recursive: recursive) {
                results.append(try await LegacySignatures.sign(
                    digest: manifest, repository: target.name, identity: signContainerIdentity, key: signingKey, annotations: pairs, registry: repository))
            }
            if options.format == .json { return try Console.json(results) }
            for signed in results {
                Console.print(signed.added
                    ? "Signed \(signed.image): \(target.name):\(signed.signatureTag) holds \(signed.signatures) signature\(signed.signatures == 1 ? "" : "s")"
                    : "\(signed.image) already carries this key's signature")
            }
        }
    }
}

/// `hydra verify IMAGE --key PUB`: every signature of the image checked offline; the valid ones printed. Exit 0
/// when one verifies, 1 when none does (a reason per signature), 2 when it could not check. With `--policy FILE`
/// instead of a key: the trust policy's decision (signatures and attestations per repository), exit 3 when it
/// refuses the image.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify an image's signatures with a public key, or against a trust policy (cosign's formats; offline, no tlog).",
        discussion: "Exit status: 0 a signature verifies (or the policy allows the image); 1 none does; 3 the policy refuses the image; 2 the check could not be made (a key, policy or registry that cannot be read).")

    @Argument(help: "[docker://]REGISTRY/REPO[:TAG|@DIGEST].")
    var image: String

    @Option(help: "The public key (or a private key file, whose public half is used).")
    var key: String?

    @Option(help: "A trust policy file (YAML, Docs/signing.md): the keys, identity and attestations each repository needs.")
    var policy: String?

    @Option(name: .shortAndLong, help: "Require this annotation KEY=VALUE in the signed payload (repeatable).")
    var annotations: [String] = []

    @Option(help: "Which identity the payload may claim: repository (the image's own, the default), any, or an exact REGISTRY/REPO.")
    var identity = "repository"

    @OptionGroup var password: PasswordOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard (key == nil) != (policy == nil) else { throw ValidationError("give --key or --policy (one of them)") }
        if policy != nil, !annotations.isEmpty || identity != "repository" {
            throw ValidationError("with --policy, the identity and requirements come from the policy file (-a and --identity go with --key)")
        }
    }

    func run() async throws {
        try await options.run {
            if let policy { return try await verify(policy: policy) }
            let pairs = try annotationPairs(annotations)
            let verdicts: [SignatureVerdict]
            let digest: Digest
            let target = try registryReference(image)
            let rule: IdentityRule = identity == "repository" ? .repository(target.name) : identity == "any" ? .any : .exact(identity)
            do {
                let publicKey = try KeyFiles.publicKey(at: key ?? "", password: password.source)
                let repository = try registry.access.repository(target)
                digest = try await repository.digest(of: target)
                verdicts = try await ImageSignatures.verify(digest: digest, key: publicKey, identity: rule, annotations: pairs, source: repository)
            } catch {
                throw CouldNotVerify(reason: "\(error)")
            }
            try report(verdicts, image: image, format: options.format, noneFound: "no signatures") { verdict in
                verdict.format == "bundle"
                    ? "Verified \(image): a Sigstore bundle (referrer \(verdict.layer)) signs \(digest)"
                    : "Verified \(image): \(verdict.payload?.critical.identity.dockerReference ?? "") signed \(verdict.payload?.critical.image.dockerManifestDigest ?? "")"
            }
        }
    }

    /// `--policy FILE`: the policy's decision, every requirement listed; exit 3 when it refuses.
    func verify(policy path: String) async throws {
        let decision: PolicyDecision
        do {
            let target = try registryReference(image)
            let repository = try registry.access.repository(target)
            decision = try await policyDecision(path, repository: target.name, digest: try await repository.digest(of: target), source: repository)
        } catch let error as CouldNotVerify {
            throw error
        } catch {
            throw CouldNotVerify(reason: "\(error)")
        }
        if options.format == .json {
            try Console.json(decision)
        } else {
            for line in decision.lines(policy: path) { Console.print(line) }
        }
        if !decision.allowed { throw PolicyRefused(image: decision.image, policy: path) }
    }
}

/// The end of `verify` and `verify-attestation`, as cosign's: each valid candidate printed (`--format json`: every
/// candidate with its verdict); when none holds, each one's reason on stderr (or `noneFound`) and exit 1.
func report(_ verdicts: [SignatureVerdict], image: String, format: OutputFormat, noneFound: String, describe: (SignatureVerdict) -> String) throws {
    let valid = verdicts.filter(\.valid)
    if format == .json { try Console.json(verdicts) } else { for verdict in valid { Console.print(describe(verdict)) } }
    guard valid.isEmpty else { return }
    if verdicts.isEmpty { Console.error("hydra: \(image): \(noneFound)") }
    for verdict in verdicts { Console.error("  \(verdict.layer): \(verdict.reason ?? "invalid")") }
    throw NotVerified(what: image)
}

/// The policy file's decision for a digest; a policy or registry that cannot be read is `CouldNotVerify` (exit 2).
func policyDecision(
    _ path: String, repository: String, digest: Digest, source: any ReferrersSource, localScan: TrustPolicy.LocalScan? = nil
) async throws -> PolicyDecision {
    do {
        return try await TrustPolicyFile.load(path).verify(repository: repository, digest: digest, source: source, localScan: localScan)
    } catch {
        throw CouldNotVerify(reason: "\(error)")
    }
}

extension PolicyDecision {
    /// The decision for a terminal: the verdict, then each requirement with its evidence or reasons.
    func lines(policy path: String) -> [String] {
        var lines = ["\(image): \(allowed ? "allowed" : "refused") by \(path)"]
        for verdict in verdicts {
            lines.append("  \(verdict.satisfied ? "ok  " : "FAIL") \(verdict.rule): \(verdict.requirement)")
            lines += (verdict.satisfied ? verdict.evidence : verdict.reasons).map { "         \($0)" }
        }
        return lines
    }
}

/// A trust policy refused the image: exit 3 (Docs/cli.md), as any policy that says no.
struct PolicyRefused: Error, CustomStringConvertible {
    let image: String
    let policy: String
    var description: String { "\(image): refused by the trust policy \(policy)" }
}
