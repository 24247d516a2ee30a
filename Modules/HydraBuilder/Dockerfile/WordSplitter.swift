/// Splits instruction arguments into words at unquoted whitespace, keeping quotes and escapes in the words
/// (they are resolved later, when variables are expanded): `a "b c" d\ e` → `a`, `"b c"`, `d\ e`.
struct WordSplitter {
    let escape: Character

    func split(_ text: String) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                word.append(character)
                escaped = false
                continue
            }
            if character == escape {
                word.append(character)
                escaped = true
                inWord = true
                continue
            }
            if let open = quote {
                word.append(character)
                if character == open { quote = nil }
                continue
            }
            if character == " " || character == "\t" {
                if inWord { words.append(word); word = ""; inWord = false }
                continue
            }
            if character == "\"" || character == "'" { quote = character }
            word.append(character)
            inWord = true
        }
        if inWord { words.append(word) }
        return words
    }
}
