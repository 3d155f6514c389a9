// Request and response bodies of the gate's HTTP routes (protocol reference §2).
// Field names and types are the original's; `port` is a string.

/// `POST /get_varifycode` request.
public struct VerifyCodeRequest: Codable, Sendable, Equatable {
    public var email: String
    public init(email: String) { self.email = email }
}

/// `POST /get_varifycode` response.
public struct VerifyCodeResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var email: String
    public init(error: ErrorCode = .success, email: String) {
        self.error = error
        self.email = email
    }
}

/// `POST /user_register` request. `icon` may be omitted.
public struct RegisterRequest: Codable, Sendable, Equatable {
    public var email: String
    public var user: String
    public var passwd: String
    public var confirm: String
    public var icon: String?
    public var varifycode: String

    public init(email: String, user: String, passwd: String, confirm: String, icon: String? = nil, varifycode: String) {
        self.email = email
        self.user = user
        self.passwd = passwd
        self.confirm = confirm
        self.icon = icon
        self.varifycode = varifycode
    }
}

/// `POST /user_register` response. Never carries the password (the original echoed it).
public struct RegisterResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public var email: String
    public var user: String
    public var icon: String
    public init(error: ErrorCode = .success, uid: Int64, email: String, user: String, icon: String) {
        self.error = error
        self.uid = uid
        self.email = email
        self.user = user
        self.icon = icon
    }
}

/// `POST /reset_pwd` request.
public struct ResetPasswordRequest: Codable, Sendable, Equatable {
    public var email: String
    public var user: String
    public var passwd: String
    public var varifycode: String
    public init(email: String, user: String, passwd: String, varifycode: String) {
        self.email = email
        self.user = user
        self.passwd = passwd
        self.varifycode = varifycode
    }
}

/// `POST /reset_pwd` response.
public struct ResetPasswordResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var email: String
    public var user: String
    public init(error: ErrorCode = .success, email: String, user: String) {
        self.error = error
        self.email = email
        self.user = user
    }
}

/// `POST /user_login` request.
public struct LoginRequest: Codable, Sendable, Equatable {
    public var email: String
    public var passwd: String
    public init(email: String, passwd: String) {
        self.email = email
        self.passwd = passwd
    }
}

/// `POST /user_login` response: the chat node to connect to and the token to present there.
public struct LoginResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var email: String
    public var uid: Int64
    public var token: String
    public var host: String
    /// A string, as in the original (`"8090"`).
    public var port: String
    /// Flux: the chat node's WebSocket URL (`ws://host:port/ws`), for browsers; absent when it has none.
    public var ws: String?
    public init(error: ErrorCode = .success, email: String, uid: Int64, token: String, host: String, port: String, ws: String? = nil) {
        self.ws = ws
        self.error = error
        self.email = email
        self.uid = uid
        self.token = token
        self.host = host
        self.port = port
    }
}

/// The body of every failed gate request: `{"error": code}`.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public init(error: ErrorCode) { self.error = error }
}
