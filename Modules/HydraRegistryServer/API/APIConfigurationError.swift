/// Why the REST API cannot be served: a programming error the server's start (and its tests) catch.
enum APIConfigurationError: Error, CustomStringConvertible {
    /// The generated code registers an operation `APIAccessRule.table` has no rule for.
    case operationWithoutRule(String)

    var description: String {
        switch self {
        case .operationWithoutRule(let operation): "the REST API operation \(operation) has no access rule (APIAccessRule.table)"
        }
    }
}
