import FluxProtocol
import Foundation

/// The JSON of one RPC message: `{"id", "method", "params"}` for a call, `{"id", "result"}` or
/// `{"id", "error": {"code", "message"}}` for its answer. Params and results are any JSON value.
enum RPCEnvelope {
    struct Call {
        var id: UInt64
        var method: String
        var params: Data
    }

    struct Answer {
        var id: UInt64
        var result: Result<Data, FluxError>
    }

    static func encodeCall(id: UInt64, method: String, params: Data) -> Data {
        var data = Data(#"{"id":\#(id),"method":"#.utf8)
        data.append(try! JSONEncoder().encode(method))  // a String always encodes
        data.append(Data(#","params":"#.utf8))
        data.append(params)
        data.append(Data("}".utf8))
        return data
    }

    static func encodeAnswer(id: UInt64, result: Result<Data, FluxError>) -> Data {
        switch result {
        case .success(let value):
            var data = Data(#"{"id":\#(id),"result":"#.utf8)
            data.append(value)
            data.append(Data("}".utf8))
            return data
        case .failure(let error):
            let message = (try? JSONEncoder().encode(error.reason)) ?? Data(#""""#.utf8)
            var data = Data(#"{"id":\#(id),"error":{"code":\#(error.code.rawValue),"message":"#.utf8)
            data.append(message)
            data.append(Data("}}".utf8))
            return data
        }
    }

    static func decodeCall(_ data: Data) throws -> Call {
        guard let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any],
            let id = (object["id"] as? NSNumber)?.uint64Value, let method = object["method"] as? String
        else { throw FluxError(.badJSON, "not an RPC call") }
        let params = try JSONSerialization.data(withJSONObject: object["params"] ?? NSNull(), options: [.fragmentsAllowed])
        return Call(id: id, method: method, params: params)
    }

    static func decodeAnswer(_ data: Data) throws -> Answer {
        guard let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any],
            let id = (object["id"] as? NSNumber)?.uint64Value
        else { throw FluxError(.badJSON, "not an RPC answer") }
        if let error = object["error"] as? [String: Any] {
            let code = (error["code"] as? NSNumber)?.intValue ?? ErrorCode.rpcFailed.rawValue
            return Answer(id: id, result: .failure(FluxError(ErrorCode(rawValue: code), error["message"] as? String ?? "")))
        }
        let result = try JSONSerialization.data(withJSONObject: object["result"] ?? NSNull(), options: [.fragmentsAllowed])
        return Answer(id: id, result: .success(result))
    }
}
