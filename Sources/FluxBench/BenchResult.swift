import Foundation
import Histogram

/// One measured figure.
public struct BenchFigure: Codable, Sendable {
    public var name: String
    public var value: Double
    public var unit: String
}

/// What one scenario measured, with the parameters it ran with.
public struct BenchResult: Codable, Sendable {
    public var scenario: String
    public var parameters: [String: String]
    public var figures: [BenchFigure] = []
    public var notes: [String] = []

    init(scenario: String, parameters: [String: String]) {
        self.scenario = scenario
        self.parameters = parameters
    }

    mutating func add(_ name: String, _ value: Double, _ unit: String) {
        figures.append(BenchFigure(name: name, value: value, unit: unit))
    }

    mutating func addLatencies(_ prefix: String, _ histogram: Histogram<UInt64>) {
        add("\(prefix) p50", Double(histogram.valueAtPercentile(50)) / 1000, "ms")
        add("\(prefix) p99", Double(histogram.valueAtPercentile(99)) / 1000, "ms")
        add("\(prefix) p99.9", Double(histogram.valueAtPercentile(99.9)) / 1000, "ms")
        add("\(prefix) max", Double(histogram.max) / 1000, "ms")
        add("\(prefix) samples", Double(histogram.totalCount), "")
    }

    public func value(_ name: String) -> Double? {
        figures.first { $0.name == name }?.value
    }

    /// The result as aligned text lines.
    public var table: String {
        let parameterText = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var lines = ["\(scenario)  (\(parameterText))"]
        let width = figures.map(\.name.count).max() ?? 0
        for figure in figures {
            let value = figure.value.rounded() == figure.value && abs(figure.value) < 1e15
                ? String(Int64(figure.value)) : String(format: "%.3f", figure.value)
            lines.append("  " + figure.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + (figure.unit.isEmpty ? "" : " \(figure.unit)"))
        }
        for note in notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }
}
