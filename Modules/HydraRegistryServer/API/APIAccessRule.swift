import HTTPTypes

/// What a REST API operation requires of its caller. Every operation in the OpenAPI document has one, in
/// `APIAccessRule.table`; a server whose generated code registers an operation without one refuses to start.
enum APIAccessRule: Sendable, Equatable {
    /// Anyone, signed in or not (health, system information).
    case anyone
    /// Anyone; what the answer holds depends on who asks (the project list shows public projects to everyone).
    case anyoneFiltered
    /// Anyone signed in.
    case signedIn
    /// System administrators only.
    case administrator
    /// Those who may create projects (`auth.projectCreation`: administrators, or everyone signed in but robots).
    case projectCreator
    /// System administrators, or the local user the path parameter `parameter` (an id) names.
    case administratorOrSelf(parameter: String)
    /// A permission in the project the path parameter `parameter` names (by name, or by id for
    /// `project_name_or_id`): system administrators have every one; members have their role's; in a public
    /// project everyone has `APIAccessRule.publicPermissions`.
    case project(Permission, parameter: String)

    /// What everyone may do in a public project, signed in or not: see it and read what it holds, as Harbor lets
    /// anyone browse a public project (the members, the log and the robots stay with its members).
    static let publicPermissions: Set<Permission> = Permission.set([
        .project: [.read], .repository: [.list, .read, .pull], .artifact: [.list, .read], .tag: [.list], .scan: [.read],
        .quota: [.read],
    ])

    /// The rule for each operation, by method and path template (without the server prefix `/api/v2.0`).
    static let table: [String: APIAccessRule] = [
        "GET /health": .anyone,
        "GET /systeminfo": .anyone,
        "GET /projects": .anyoneFiltered,
        "HEAD /projects": .anyoneFiltered,
        "POST /projects": .projectCreator,
        "GET /projects/{project_name_or_id}": .project(.init(.project, .read), parameter: "project_name_or_id"),
        "PUT /projects/{project_name_or_id}": .project(.init(.project, .update), parameter: "project_name_or_id"),
        "DELETE /projects/{project_name_or_id}": .project(.init(.project, .delete), parameter: "project_name_or_id"),
        "GET /projects/{project_name_or_id}/summary": .project(.init(.project, .read), parameter: "project_name_or_id"),
        "GET /projects/{project_name_or_id}/members": .project(.init(.member, .list), parameter: "project_name_or_id"),
        "POST /projects/{project_name_or_id}/members": .project(.init(.member, .create), parameter: "project_name_or_id"),
        "GET /projects/{project_name_or_id}/members/{mid}": .project(.init(.member, .read), parameter: "project_name_or_id"),
        "PUT /projects/{project_name_or_id}/members/{mid}": .project(.init(.member, .update), parameter: "project_name_or_id"),
        "DELETE /projects/{project_name_or_id}/members/{mid}": .project(.init(.member, .delete), parameter: "project_name_or_id"),
        "GET /projects/{project_name}/repositories": .project(.init(.repository, .list), parameter: "project_name"),
        "GET /projects/{project_name}/repositories/{repository_name}/artifacts":
            .project(.init(.artifact, .list), parameter: "project_name"),
        "GET /projects/{project_name}/repositories/{repository_name}": .project(.init(.repository, .read), parameter: "project_name"),
        "DELETE /projects/{project_name}/repositories/{repository_name}": .project(.init(.repository, .delete), parameter: "project_name"),
        "GET /projects/{project_name}/repositories/{repository_name}/artifacts/{reference}":
            .project(.init(.artifact, .read), parameter: "project_name"),
        "DELETE /projects/{project_name}/repositories/{repository_name}/artifacts/{reference}":
            .project(.init(.artifact, .delete), parameter: "project_name"),
        "GET /projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags":
            .project(.init(.tag, .list), parameter: "project_name"),
        "POST /projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags":
            .project(.init(.tag, .create), parameter: "project_name"),
        "DELETE /projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}":
            .project(.init(.tag, .delete), parameter: "project_name"),
        "GET /statistics": .signedIn,
        "GET /quotas": .administrator,
        "GET /users": .administrator,
        "POST /users": .administrator,
        "GET /users/current": .signedIn,
        "GET /users/{user_id}": .administratorOrSelf(parameter: "user_id"),
        "PUT /users/{user_id}": .administratorOrSelf(parameter: "user_id"),
        "DELETE /users/{user_id}": .administrator,
        "PUT /users/{user_id}/password": .administratorOrSelf(parameter: "user_id"),
        "PUT /users/{user_id}/cli_secret": .administratorOrSelf(parameter: "user_id"),
        "PUT /users/{user_id}/sysadmin": .administrator,
        "GET /audit-logs": .administrator,
        "GET /projects/{project_name_or_id}/logs": .project(.init(.log, .list), parameter: "project_name_or_id"),
        "GET /robots": .administrator,
        "POST /robots": .administrator,
        "GET /robots/{robot_id}": .administrator,
        "PUT /robots/{robot_id}": .administrator,
        "PATCH /robots/{robot_id}": .administrator,
        "DELETE /robots/{robot_id}": .administrator,
        "GET /projects/{project_name_or_id}/robots": .project(.init(.robot, .list), parameter: "project_name_or_id"),
        "POST /projects/{project_name_or_id}/robots": .project(.init(.robot, .create), parameter: "project_name_or_id"),
        "GET /projects/{project_name_or_id}/robots/{robot_id}": .project(.init(.robot, .read), parameter: "project_name_or_id"),
        "PUT /projects/{project_name_or_id}/robots/{robot_id}": .project(.init(.robot, .update), parameter: "project_name_or_id"),
        "PATCH /projects/{project_name_or_id}/robots/{robot_id}": .project(.init(.robot, .update), parameter: "project_name_or_id"),
        "DELETE /projects/{project_name_or_id}/robots/{robot_id}": .project(.init(.robot, .delete), parameter: "project_name_or_id"),
    ]

    /// The rule for an operation of the table; nil when it has none.
    static func rule(for method: HTTPRequest.Method, template: String) -> APIAccessRule? {
        let path = template.hasPrefix(RegistryAPI.prefix) ? String(template.dropFirst(RegistryAPI.prefix.count)) : template
        return table["\(method.rawValue) \(path)"]
    }
}
