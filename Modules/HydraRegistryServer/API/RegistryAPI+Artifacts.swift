import Foundation
import HydraCore
import HydraOCI
import HydraRegistryAPI

/// One repository and one artifact through the REST API (Harbor's `/repositories/{name}` and
/// `/artifacts/{reference}`): read, delete, tag and untag, with the artifacts that refer to one (signatures, SBOMs,
/// attestations, as Harbor's accessories); and the registry-wide `/statistics` and `/quotas`.
extension RegistryAPI {
    func getRepository(_ input: Operations.GetRepository.Input) async throws -> Operations.GetRepository.Output {
        let (project, repository) = try await existingRepository(input.path.repositoryName)
        let count = try await metadata.artifacts(in: repository, offset: 0, limit: 0).total
        return .ok(.init(body: .json(.init(name: repository, projectId: project.id, artifactCount: Int64(count)))))
    }

    func deleteRepository(_ input: Operations.DeleteRepository.Input) async throws -> Operations.DeleteRepository.Output {
        let (_, repository) = try await existingRepository(input.path.repositoryName)
        guard try await metadata.deleteRepository(repository) else { throw APIError.notFound("repository \(repository) not found") }
        return .ok(.init())
    }

    func getArtifact(_ input: Operations.GetArtifact.Input) async throws -> Operations.GetArtifact.Output {
        let (project, repository) = try await existingRepository(input.path.repositoryName)
        let record = try await artifact(input.path.reference, in: repository)
        let accessories = try await metadata.referrers(of: record.digest, in: repository).map {
            Components.Schemas.Accessory(digest: $0.digest.description, artifactType: $0.artifactType, mediaType: $0.mediaType, size: $0.size,
                                         subjectArtifactDigest: record.digest.description)
        }
        let tags = try await metadata.tags(of: record.digest, in: repository)
        return .ok(.init(body: .json(.init(
            digest: record.digest.description, size: record.size, manifestMediaType: record.mediaType,
            mediaType: record.artifactType ?? record.mediaType, artifactType: record.artifactType, subject: record.subject?.description,
            projectId: project.id, repositoryName: repository, tags: tags.map { .init(name: $0) }, accessories: accessories))))
    }

    func deleteArtifact(_ input: Operations.DeleteArtifact.Input) async throws -> Operations.DeleteArtifact.Output {
        let (_, repository) = try await existingRepository(input.path.repositoryName)
        let record = try await artifact(input.path.reference, in: repository)
        guard try await metadata.deleteManifest(record.digest, in: repository) else {
            throw APIError.notFound("artifact \(input.path.reference) not found in \(repository)")
        }
        return .ok(.init())
    }

    func listTags(_ input: Operations.ListTags.Input) async throws -> Operations.ListTags.Output {
        let scope = APIRequestScope.current
        let (_, repository) = try await existingRepository(input.path.repositoryName)
        let paging = try APIPaging(page: input.query.page, size: input.query.pageSize)
        let tags = try await metadata.tags(of: try await artifact(input.path.reference, in: repository).digest, in: repository)
        return .ok(.init(headers: .init(xTotalCount: Int64(tags.count), link: paging.links(total: tags.count, scope: scope)),
                         body: .json(tags.dropFirst(paging.offset).prefix(paging.limit).map { .init(name: $0) })))
    }

    func createTag(_ input: Operations.CreateTag.Input) async throws -> Operations.CreateTag.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let (_, repository) = try await existingRepository(input.path.repositoryName)
        let record = try await artifact(input.path.reference, in: repository)
        guard (try? Reference.validate(tag: request.name)) != nil else { throw APIError.badRequest("\(request.name) is not a tag") }
        if try await metadata.taggedManifest(request.name, in: repository)?.digest == record.digest {
            throw APIError(.conflict, "\(repository):\(request.name) already tags this artifact")
        }
        try await metadata.putManifest(record, tag: request.name)
        return .created(.init())
    }

    func deleteTag(_ input: Operations.DeleteTag.Input) async throws -> Operations.DeleteTag.Output {
        let (_, repository) = try await existingRepository(input.path.repositoryName)
        let record = try await artifact(input.path.reference, in: repository)
        guard try await metadata.taggedManifest(input.path.tagName, in: repository)?.digest == record.digest,
              try await metadata.deleteTag(input.path.tagName, in: repository)
        else { throw APIError.notFound("tag \(input.path.tagName) not found on \(input.path.reference)") }
        return .ok(.init())
    }

    /// What the caller can see: public projects and their own (every project for administrators), with their
    /// repositories; storage only for administrators.
    func getStatistic(_ input: Operations.GetStatistic.Input) async throws -> Operations.GetStatistic.Output {
        let scope = APIRequestScope.current
        var counts = (publicProjects: Int64(0), privateProjects: Int64(0), publicRepositories: Int64(0), privateRepositories: Int64(0))
        var storage = Int64(0)
        var offset = 0
        while true {
            let page = try await metadata.projects(ProjectQuery(viewer: scope.viewer, offset: offset, limit: 100))
            for project in page.items {
                let repositories = Int64(try await metadata.repositories(inProject: project.name, nameContains: nil, offset: 0, limit: 0).total)
                if project.isPublic {
                    counts.publicProjects += 1
                    counts.publicRepositories += repositories
                } else {
                    counts.privateProjects += 1
                    counts.privateRepositories += repositories
                }
                if scope.isAdministrator { storage += try await metadata.projectUsage(project.name) }
            }
            offset += page.items.count
            if page.items.isEmpty || offset >= page.total { break }
        }
        return .ok(.init(body: .json(.init(
            privateProjectCount: counts.privateProjects, publicProjectCount: counts.publicProjects,
            totalProjectCount: counts.privateProjects + counts.publicProjects, privateRepoCount: counts.privateRepositories,
            publicRepoCount: counts.publicRepositories, totalRepoCount: counts.privateRepositories + counts.publicRepositories,
            totalStorageConsumption: scope.isAdministrator ? storage : nil))))
    }

    func listQuotas(_ input: Operations.ListQuotas.Input) async throws -> Operations.ListQuotas.Output {
        let scope = APIRequestScope.current
        let paging = try APIPaging(page: input.query.page, size: input.query.pageSize)
        let page = try await metadata.projects(ProjectQuery(offset: paging.offset, limit: paging.limit))
        var quotas: [Components.Schemas.Quota] = []
        for project in page.items {
            quotas.append(.init(
                id: project.id, ref: .init(id: project.id, name: project.name), hard: .init(storage: project.storageLimit ?? -1),
                used: .init(storage: try await metadata.projectUsage(project.name)),
                creationTime: Date(timeIntervalSince1970: TimeInterval(project.createdAt))))
        }
        return .ok(.init(headers: .init(xTotalCount: Int64(page.total), link: paging.links(total: page.total, scope: scope)), body: .json(quotas)))
    }

    /// The project (from the scope) and the full name of the repository the path names, which must exist.
    private func existingRepository(_ parameter: String) async throws -> (ProjectRecord, String) {
        let project = try APIRequestScope.current.requireProject()
        let repository = project.name + "/" + Self.repositoryPath(parameter)
        guard (try? Reference.validate(repository: repository)) != nil, try await metadata.repositoryExists(repository) else {
            throw APIError.notFound("repository \(repository) not found")
        }
        return (project, repository)
    }

    /// The manifest a reference (digest or tag) names in `repository`.
    private func artifact(_ reference: String, in repository: String) async throws -> ManifestRecord {
        let found: ManifestRecord?
        if reference.contains(":") {
            guard let digest = try? Digest(parsing: reference) else { throw APIError.badRequest("\(reference) is not a digest") }
            found = try await metadata.manifest(digest, in: repository)
        } else {
            guard (try? Reference.validate(tag: reference)) != nil else { throw APIError.badRequest("\(reference) is neither a digest nor a tag") }
            found = try await metadata.taggedManifest(reference, in: repository)
        }
        guard let found else { throw APIError.notFound("artifact \(reference) not found in \(repository)") }
        return found
    }
}
