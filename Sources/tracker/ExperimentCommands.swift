import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Create and list experiments.", subcommands: [ExperimentCreate.self, ExperimentList.self])
}

struct ExperimentCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an experiment and print its id.", discussion: "Example: tracker experiment create churn")
    @OptionGroup var options: DBOptions
    @Argument(help: "Experiment name.") var name: String
    @Option(help: "What the experiment is about.") var description = ""
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let e = try options.open().experiments.createExperiment(name: name, description: description)
        if json { printJSON(e.json) } else { print(e.id) }
    }
}

struct ExperimentList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List experiments with their run counts.", discussion: "Example: tracker experiment list --json")
    @OptionGroup var options: DBOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let exps = try options.open().experiments.listExperiments()
        if json {
            printJSON(.array(exps.map(\.json)))
            return
        }
        print(
            table(
                ["ID", "NAME", "CREATED", "DESCRIPTION"],
                exps.map { [String($0.id), $0.name, formatTime($0.creationTime), $0.description] }))
    }
}
