import ArgumentParser
import HydraOCI
import HydraRegistryServer
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the OCI registry.")

    @Option(help: "Address to listen on, HOST:PORT.")
    var addr = "127.0.0.1:5000"

    @Option(help: "Data directory for blobs and metadata (default: $HYDRA_HOME/registry).")
    var root: String?

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            guard let colon = addr.lastIndex(of: ":"), let port = Int(addr[addr.index(after: colon)...]), (0...65535).contains(port) else {
                throw OCIError.invalidArgument("--addr \"\(addr)\": expected HOST:PORT")
            }
            let host = String(addr[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let server = RegistryServer(configuration: .init(
                host: host, port: port, dataDirectory: root ?? LocalImageStore.defaultHome + "/registry"))
            try await server.application().runService()
        }
    }
}

import Foundation
