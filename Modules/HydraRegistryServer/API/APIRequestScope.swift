/// What `AuthorizationMiddleware` learned about a REST API request before its handler runs: who asks, whether
/// they are a system administrator, and the project the path names (looked up once). The handlers, which the
/// generated server calls without the request context, read it as a task-local value.
struct APIRequestScope: Sendable {
    /// The caller's user name; nil when anonymous.
    var user: String?
    /// The caller's groups (from LDAP or OIDC).
    var groups: [String] = []
    var isAdministrator: Bool
    /// The project the path names, when the operation's rule is about one.
    var project: ProjectRecord?
    /// The caller's role in that project, if any.
    var role: ProjectRole?
    /// The request's path and query items, for the `Link` headers of paged answers.
    var path: String = ""
    var query: [(name: String, value: String)] = []
    /// The CSRF token of the browser session the request came with (sent back in `X-Harbor-CSRF-Token`).
    var csrfToken: String?

    /// Who looks at a project listing: nil for administrators, who see every project.
    var viewer: ProjectQuery.Viewer? {
        isAdministrator ? nil : ProjectQuery.Viewer(user: user, groups: groups)
    }

    @TaskLocal static var current = APIRequestScope(user: nil, isAdministrator: false)
}
