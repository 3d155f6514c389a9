import ArgumentParser
import Foundation

/// A row of an admin table.
protocol TableRow {
    var cells: [String] { get }
}

/// `--json` for scripts, an aligned table for people.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.") var json = false

    func print<Row: Encodable & TableRow>(_ rows: [Row], columns: [String]) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(rows)) ?? Data("[]".utf8)
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        let table = [columns] + rows.map(\.cells)
        let widths = columns.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for line in table {
            Swift.print(line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}

/// An admin command found nothing or was refused: one line on standard error, exit status 1.
struct AdminFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A store time (milliseconds since 1970) as ISO 8601 in UTC, as every admin table prints times.
func adminTime(milliseconds: Int64) -> String {
    Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
}
