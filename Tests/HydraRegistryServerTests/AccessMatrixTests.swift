import Foundation
import HydraRegistryServer
import Testing

/// Harbor's permission matrix as Docs/access.md states it and as `ProjectRole` grants it: the same, cell by cell.
@Suite("Access: roles and permissions")
struct AccessMatrixTests {
    /// The roles in the order of the table's columns.
    static let columns: [ProjectRole] = [.limitedGuest, .guest, .developer, .maintainer, .projectAdmin]

    /// Docs/access.md's matrix rows: each permission with the roles the table marks.
    static func documentedMatrix() throws -> [(Permission, Set<ProjectRole>)] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Docs/access.md").standardized.path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // "", permission, five roles, what it allows, ""
            guard cells.count == 9 else { throw PermissionError(text: String(line), reason: "expected 7 columns") }
            let permission = try Permission(parsing: cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")))
            var roles: Set<ProjectRole> = []
            for (index, role) in columns.enumerated() {
                switch cells[2 + index] {
                case "✓": roles.insert(role)
                case "": break
                default: throw PermissionError(text: String(line), reason: "cell \"\(cells[2 + index])\" is neither ✓ nor empty")
                }
            }
            return (permission, roles)
        }
    }

    @Test("every cell of Docs/access.md's matrix is what the role grants, and every granted permission has a row")
    func documentedCells() throws {
        let matrix = try Self.documentedMatrix()
        #expect(matrix.count >= 40, "the table was found")
        #expect(Set(matrix.map(\.0)).count == matrix.count, "each permission has one row")
        for (permission, documented) in matrix {
            for role in Self.columns {
                #expect(role.permissions.contains(permission) == documented.contains(role),
                        "\(permission) for \(role): the table says \(documented.contains(role) ? "✓" : "no")")
            }
        }
        let rows = Set(matrix.map(\.0))
        for role in Self.columns {
            let missing = role.permissions.subtracting(rows)
            #expect(missing.isEmpty, "\(role) grants \(missing.sorted()) that the table does not list")
        }
    }

    @Test("roles nest: each has everything the weaker one has; registry actions follow repository:pull/push and artifact:delete")
    func rolesNest() {
        for (weaker, stronger) in zip(Self.columns, Self.columns.dropFirst()) {
            #expect(weaker < stronger)
            #expect(weaker.permissions.isStrictSubset(of: stronger.permissions), "\(weaker) ⊂ \(stronger)")
        }
        #expect(ProjectRole.limitedGuest.registryActions == [.pull])
        #expect(ProjectRole.guest.registryActions == [.pull])
        #expect(ProjectRole.developer.registryActions == [.pull, .push])
        #expect(ProjectRole.maintainer.registryActions == [.pull, .push, .delete])
        #expect(ProjectRole.projectAdmin.registryActions == [.pull, .push, .delete])
        #expect(ProjectRole.registryActions(for: [Permission(.repository, .push)]) == [.push], "a robot may push without pulling")
        #expect(!ProjectRole.allCases.contains { $0.permissions.contains(Permission(.quota, .update)) }, "quotas are set by system administrators")
    }

    @Test("role names and Harbor's ids; permissions parse from resource:action, and errors name what is wrong")
    func names() {
        #expect(ProjectRole.allCases.map(\.rawValue).sorted() == [1, 2, 3, 4, 5])
        #expect(ProjectRole(name: "projectAdmin") == .projectAdmin && ProjectRole(name: "LIMITEDGUEST") == .limitedGuest)
        #expect(ProjectRole(name: "4") == .maintainer && ProjectRole(name: "owner") == nil && ProjectRole(name: "9") == nil)
        #expect(throws: Never.self) { try Permission(parsing: "repository:pull") }
        for (bad, reason) in [("repository", "expected resource:action"), ("repo:pull", "unknown resource \"repo\""),
                              ("repository:fly", "unknown action \"fly\""), ("a:b:c", "expected resource:action")] {
            #expect { try Permission(parsing: bad) } throws: { "\($0)".contains(reason) && "\($0)".contains(bad) }
        }
    }
}
