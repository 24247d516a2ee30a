import Foundation
import HydraOCI

/// `--change 'INSTRUCTION ARGUMENTS'`, as `docker import` and `docker commit` take it: one Dockerfile line, read by
/// the Dockerfile's own parser and applied by its own rules (`ImageConfigEdit`), for the instructions that only
/// change the config.
public enum ConfigChangeParser {
    public static let supported = ["CMD", "ENTRYPOINT", "ENV", "WORKDIR", "USER", "EXPOSE", "LABEL", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "SHELL"]

    /// - Parameter environment: `KEY=value` entries variables are expanded from (the image's, before the change).
    /// - Throws: `OCIError.invalidArgument` quoting the change and saying what is wrong.
    public static func edit(parsing text: String, environment: [String] = RootfsImporter.defaultEnvironment) throws(OCIError) -> ImageConfigEdit {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let keyword = trimmed.split(separator: " ", maxSplits: 1).first?.uppercased() else {
            throw .invalidArgument("--change \"\(text)\": empty change")
        }
        guard supported.contains(keyword) else {
            throw .invalidArgument("--change \"\(text)\": unsupported instruction \(keyword) (supported: \(supported.joined(separator: ", ")))")
        }
        let instruction: Instruction
        do {
            let parsed = try Dockerfile(parsing: "FROM scratch\n" + trimmed, file: "--change")
            guard let first = parsed.stages.first?.instructions.first?.value, parsed.stages.first?.instructions.count == 1 else {
                throw OCIError.invalidArgument("--change \"\(text)\": one instruction")
            }
            instruction = first
        } catch let error as DockerfileError {
            throw .invalidArgument("--change \"\(text)\": \(error.message)")
        } catch let error as OCIError {
            throw error
        } catch {
            throw .invalidArgument("--change \"\(text)\": \(error)")
        }
        let lookup: (String) -> String? = { name in
            environment.last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        do {
            guard let edit = try instruction.configEdit(shell: ["/bin/sh", "-c"], expander: VariableExpander(), lookup: lookup) else {
                throw OCIError.invalidArgument("--change \"\(text)\": \(keyword) does not change the config")
            }
            return edit
        } catch let error as VariableExpander.ExpansionError {
            throw .invalidArgument("--change \"\(text)\": \(error)")
        } catch let error as OCIError {
            throw error
        } catch {
            throw .invalidArgument("--change \"\(text)\": \(error)")
        }
    }
}
