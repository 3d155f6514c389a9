import FluxStore
import Testing

/// Behaviour every `Store` must have.
@Suite struct StoreConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func createAndFindUsers(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (name, email) = uniqueUser()
        let created = try await store.createUser(NewUser(name: name, email: email, passwordHash: "h1", icon: ":/a.png"))
        #expect(created.uid > 0)
        #expect(created.nick == name && created.desc == "" && created.sex == 0 && created.icon == ":/a.png")
        #expect(created.createdAt > 0 && !created.disabled)
        #expect(try await store.user(uid: created.uid) == created)
        #expect(try await store.user(email: email) == created)
        #expect(try await store.user(email: email.uppercased()) == created)
        #expect(try await store.user(name: name) == created)
        // Names compare as their keys do: another case finds the same user.
        #expect(try await store.user(name: name.uppercased()) == created)
        #expect(try await store.user(name: "no-such-\(name)") == nil)
        #expect(try await store.user(uid: created.uid + 1_000_000) == nil)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func uidsAreDistinctAndIncreasing(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        var uids: [Int64] = []
        for _ in 0..<5 {
            let (name, email) = uniqueUser()
            uids.append(try await store.createUser(NewUser(name: name, email: email, passwordHash: "h")).uid)
        }
        #expect(uids == uids.sorted() && Set(uids).count == 5)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func emailIsUniqueIgnoringCase(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (name, email) = uniqueUser()
        _ = try await store.createUser(NewUser(name: name, email: email, passwordHash: "h"))
        let error = await #expect(throws: StoreError.self) {
            _ = try await store.createUser(NewUser(name: name + "x", email: email.uppercased(), passwordHash: "h"))
        }
        #expect(error?.code == .duplicate && error?.field == "email")
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func nameIsUnique(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (name, email) = uniqueUser()
        _ = try await store.createUser(NewUser(name: name, email: email, passwordHash: "h"))
        let error = await #expect(throws: StoreError.self) {
            _ = try await store.createUser(NewUser(name: name, email: "other-" + email, passwordHash: "h"))
        }
        #expect(error?.code == .duplicate && error?.field == "name")
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentRegistrationsOfOneEmailCreateOneUser(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (name, email) = uniqueUser()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                group.addTask {
                    (try? await store.createUser(NewUser(name: "\(name)-\(index)", email: email, passwordHash: "h"))) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func updatePasswordHash(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (name, email) = uniqueUser()
        let user = try await store.createUser(NewUser(name: name, email: email, passwordHash: "old"))
        #expect(try await store.updatePasswordHash(uid: user.uid, to: "new"))
        #expect(try await store.user(uid: user.uid)?.passwordHash == "new")
        #expect(try await !store.updatePasswordHash(uid: user.uid + 1_000_000, to: "x"))
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func unicodeIsKept(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let tag = uniqueUser().name
        let user = try await store.createUser(NewUser(name: "张三-\(tag)-🙂", email: "\(tag)@例子.cn", passwordHash: "h"))
        #expect(try await store.user(name: "张三-\(tag)-🙂")?.uid == user.uid)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func countsUsers(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let before = try await store.userCount()
        let (name, email) = uniqueUser()
        _ = try await store.createUser(NewUser(name: name, email: email, passwordHash: "h"))
        #expect(try await store.userCount() == before + 1)
        try await store.close()
    }

    /// Counts and lists of an empty store are 0 and empty (on MariaDB each read says whether it may meet
    /// a NULL, and none of these may).
    @Test(arguments: StoreBackend.allCases)
    func anEmptyStoreCountsZeroAndListsNothing(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        #expect(try await store.userCount() == 0)
        #expect(try await store.messageCount() == 0)
        #expect(try await store.users(after: 0, limit: 10).isEmpty)
        #expect(try await store.user(uid: 1) == nil)
        #expect(try await store.friends(of: 1).isEmpty)
        #expect(try await store.friendRequests(to: 1, limit: 10).isEmpty)
        #expect(try await store.history(uid: 1, peer: 2, page: .latest, limit: 10).isEmpty)
        #expect(try await store.recentMessages(of: 1, limit: 10).isEmpty)
        #expect(try await store.undeliveredMessages(to: 1, after: 0, limit: 10).isEmpty)
        #expect(try await !store.areFriends(1, 2))
        let (name, email) = uniqueUser()
        let created = try await store.createUser(NewUser(name: name, email: email, passwordHash: "h"))
        #expect(try await store.userCount() == 1)
        #expect(try await store.users(after: 0, limit: 10) == [created])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func closedStoreRefusesCalls(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        try await store.close()
        await #expect(throws: StoreError.self) { _ = try await store.user(uid: 1) }
    }
}
