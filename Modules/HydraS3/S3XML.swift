import Foundation

/// Reads the few flat XML documents S3 answers with (errors, ListObjectsV2, multipart results) and writes the
/// one it is sent (CompleteMultipartUpload). Foundation's XMLParser would pull libxml2 into a static hydra for
/// five element names; these documents have no attributes that matter, no namespaces to resolve and no nesting
/// deeper than one list, so text between a tag's start and end, entity-decoded, is all that is read.
enum S3XML {
    /// The text of every `<tag>…</tag>` in document order.
    static func values(of tag: String, in xml: String) -> [String] {
        var values: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(tag)>") {
            guard let close = rest[open.upperBound...].range(of: "</\(tag)>") else { break }
            values.append(decode(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return values
    }

    /// An S3 timestamp (ISO 8601 in UTC, with or without milliseconds: `2026-12-07T15:00:00.000Z`).
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// The text of the first `<tag>…</tag>`, or nil.
    static func value(of tag: String, in xml: String) -> String? {
        values(of: tag, in: xml).first
    }

    /// Replaces the five predefined entities and numeric references.
    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            guard text[index] == "&", let semicolon = text[index...].firstIndex(of: ";") else {
                result.append(text[index])
                index = text.index(after: index)
                continue
            }
            let entity = text[text.index(after: index)..<semicolon]
            switch entity {
            case "amp": result.append("&")
            case "lt": result.append("<")
            case "gt": result.append(">")
            case "quot": result.append("\"")
            case "apos": result.append("'")
            default:
                let number: UInt32? = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                if let number, let scalar = Unicode.Scalar(number) {
                    result.unicodeScalars.append(scalar)
                } else {
                    result += "&" + entity + ";"
                }
            }
            index = text.index(after: semicolon)
        }
        return result
    }

    /// Escapes text for an element's content.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
