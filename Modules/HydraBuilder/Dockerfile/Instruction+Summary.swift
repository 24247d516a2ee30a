extension Instruction {
    /// A one-line description for progress output: the keyword and its arguments, shortened.
    public var summary: String {
        let text: String
        switch self {
        case .from(let from): text = from.image + (from.alias.map { " AS \($0)" } ?? "")
        case .run(let run): text = Self.describe(run.command)
        case .cmd(let command), .entrypoint(let command): text = Self.describe(command)
        case .shell(let words): text = "\(words)"
        case .env(let pairs), .label(let pairs): text = pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        case .arg(let declarations): text = declarations.map { $0.name + ($0.defaultValue.map { "=" + $0 } ?? "") }.joined(separator: " ")
        case .expose(let words), .volume(let words): text = words.joined(separator: " ")
        case .user(let value), .workdir(let value), .stopSignal(let value), .onbuild(let value), .maintainer(let value): text = value
        case .copy(let copy), .add(let copy): text = (copy.from.map { "--from=\($0) " } ?? "") + (copy.sources + [copy.destination]).joined(separator: " ")
        case .healthcheck(let spec): text = spec.test.map(Self.describe) ?? "NONE"
        }
        let line = keyword + " " + text.replacingOccurrences(of: "\n", with: " ")
        return line.count > 100 ? String(line.prefix(97)) + "..." : line
    }

    static func describe(_ command: CommandForm) -> String {
        switch command {
        case .exec(let words): "\(words)"
        case .shell(let text): text
        }
    }
}

import Foundation
