import Foundation

/// Debian control-file syntax (dpkg's status database): paragraphs separated by blank lines, `Field: value`
/// lines, continuation lines starting with a space or tab.
enum ControlParagraphs {
    static func parse(_ text: String) -> [[String: String]] {
        var paragraphs: [[String: String]] = []
        var current: [String: String] = [:]
        var lastField: String?
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                if !current.isEmpty { paragraphs.append(current) }
                current = [:]
                lastField = nil
                continue
            }
            if line.first == " " || line.first == "\t" {
                if let lastField { current[lastField, default: ""] += "\n" + line.dropFirst() }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = String(line[..<colon])
            current[field] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lastField = field
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }
}
