import Foundation
import HydraOCI

/// What the policy says about one image in a review.
public struct ImageJudgement: Sendable, Equatable {
    public var image: String
    /// The image by digest (`REGISTRY/REPO@sha256:…`): what was verified, and what the mutating hook pins.
    public var pinned: String?
    public var allowed: Bool
    public var reasons: [String]

    public init(image: String, pinned: String?, allowed: Bool, reasons: [String]) {
        self.image = image
        self.pinned = pinned
        self.allowed = allowed
        self.reasons = reasons
    }
}

/// Judges images. Never throws: a judge that cannot look (registry down, policy unreadable) says no, with why.
public protocol ImageJudge: Sendable {
    func judge(_ image: String) async -> ImageJudgement
}

/// Answers AdmissionReviews: the validating hook allows a review only when every image is allowed, and denies with
/// status 403 and every reason otherwise; the mutating hook rewrites each allowed image to its digest with a
/// JSONPatch, so what was verified is what runs. Fail-closed: a review whose judgements do not finish within
/// `timeout` is denied, except in `failOpenNamespaces` (then allowed with a warning).
public struct AdmissionReviewer: Sendable {
    public let judge: any ImageJudge
    public let timeout: Duration
    public let failOpenNamespaces: Set<String>

    public init(judge: any ImageJudge, timeout: Duration = .seconds(8), failOpenNamespaces: Set<String> = []) {
        self.judge = judge
        self.timeout = timeout
        self.failOpenNamespaces = failOpenNamespaces
    }

    /// The answer for the validating hook.
    public func validate(_ request: AdmissionRequest) async -> [UInt8] {
        guard let judgements = await judgements(for: request) else { return timedOut(request) }
        let denied = judgements.filter { !$0.allowed }
        guard !denied.isEmpty else { return Self.response(uid: request.uid, allowed: true) }
        let message = denied.map { "\($0.image): " + $0.reasons.joined(separator: "; ") }.joined(separator: " | ")
        return Self.response(uid: request.uid, allowed: false, status: (403, "hydra policy: " + message))
    }

    /// The answer for the mutating hook: allowed, with a patch pinning every allowed image to its digest (denials
    /// are the validating hook's to give, with their reasons).
    public func mutate(_ request: AdmissionRequest) async -> [UInt8] {
        guard let judgements = await judgements(for: request) else { return timedOut(request) }
        var operations: [String] = []
        for (field, judgement) in zip(request.images, judgements) {
            guard judgement.allowed, let pinned = judgement.pinned, pinned != field.image else { continue }
            operations.append(#"{"op":"replace","path":\#(Self.quoted(field.pointer)),"value":\#(Self.quoted(pinned))}"#)
        }
        let patch = operations.isEmpty ? nil : "[" + operations.joined(separator: ",") + "]"
        return Self.response(uid: request.uid, allowed: true, patch: patch)
    }

    /// Each image's judgement, in order, or nil when they did not all finish in time.
    func judgements(for request: AdmissionRequest) async -> [ImageJudgement]? {
        let images = request.images.map(\.image)
        guard !images.isEmpty else { return [] }
        let judge = judge
        return await withTaskGroup(of: [ImageJudgement]?.self) { group in
            group.addTask {
                await withTaskGroup(of: (Int, ImageJudgement).self) { each in
                    // The same image twice (a sidecar and an init container) is judged once.
                    let distinct = Array(Set(images))
                    for (index, image) in distinct.enumerated() { each.addTask { (index, await judge.judge(image)) } }
                    var byImage: [String: ImageJudgement] = [:]
                    for await (index, judgement) in each { byImage[distinct[index]] = judgement }
                    return images.compactMap { byImage[$0] }
                }
            }
            group.addTask { [timeout] in
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    func timedOut(_ request: AdmissionRequest) -> [UInt8] {
        let reason = "the policy's verdict took longer than \(timeout)"
        if failOpenNamespaces.contains(request.namespace) {
            return Self.response(uid: request.uid, allowed: true, warnings: ["hydra: \(reason); allowed because namespace \(request.namespace) fails open"])
        }
        return Self.response(uid: request.uid, allowed: false, status: (403, "hydra policy: \(reason) (fail-closed)"))
    }

    /// An AdmissionReview answer.
    static func response(uid: String, allowed: Bool, status: (code: Int, message: String)? = nil, patch: String? = nil, warnings: [String] = []) -> [UInt8] {
        var fields = [#""uid":\#(quoted(uid))"#, #""allowed":\#(allowed)"#]
        if let status { fields.append(#""status":{"code":\#(status.code),"message":\#(quoted(status.message))}"#) }
        if let patch { fields.append(#""patchType":"JSONPatch","patch":\#(quoted(Data(patch.utf8).base64EncodedString()))"#) }
        if !warnings.isEmpty { fields.append(#""warnings":[\#(warnings.map(quoted).joined(separator: ","))]"#) }
        return Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{\#(fields.joined(separator: ","))}}"#.utf8)
    }

    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(text), as: UTF8.self)) ?? "\"\""
    }
}
