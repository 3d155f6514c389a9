import FluxChat
import FluxProtocol
import Testing

@Suite struct SessionStateMachineTests {
    @Test func onlyLoginIsAcceptedBeforeLogin() {
        let machine = SessionStateMachine()
        #expect(machine.action(for: .chatLogin) == .handle(uid: nil))
        for id in [MessageID.searchUser, .addFriend, .authFriend, .textChat, .heartbeat, .history, .logout, MessageID(rawValue: 9)] {
            #expect(machine.action(for: id) == .reject(.notLoggedIn))
        }
        #expect(machine.uid == nil)
    }

    @Test func afterLoginEverythingIsHandledAsTheSessionsUser() {
        var machine = SessionStateMachine()
        let first = machine.loggedIn(uid: 42)
        #expect(first)
        #expect(machine.uid == 42)
        #expect(machine.action(for: .textChat) == .handle(uid: 42))
        #expect(machine.action(for: MessageID(rawValue: 3000)) == .handle(uid: 42))
        #expect(machine.action(for: .chatLogin) == .reject(.invalidTarget), "one login per connection")
        let second = machine.loggedIn(uid: 7)
        #expect(!second)
        #expect(machine.uid == 42)
    }

    @Test func closeReportsTheUserOnceAndDropsLaterFrames() {
        var machine = SessionStateMachine()
        _ = machine.loggedIn(uid: 5)
        let closed = machine.close()
        let closedAgain = machine.close()
        #expect(closed == 5)
        #expect(closedAgain == nil)
        #expect(machine.action(for: .heartbeat) == .drop)
        #expect(machine.action(for: .chatLogin) == .drop)
        let relogin = machine.loggedIn(uid: 5)
        #expect(!relogin)
    }

    @Test func closingBeforeLoginHasNoUser() {
        var machine = SessionStateMachine()
        let closed = machine.close()
        #expect(closed == nil)
        #expect(machine.state == .closed)
    }

    @Test func responseIdIsRequestPlusOne() {
        #expect(MessageID.chatLogin.response == .chatLoginResponse)
        #expect(MessageID.textChat.response == .textChatResponse)
        #expect(MessageID.history.response == .historyResponse)
        #expect(MessageID.logout.response == .logoutResponse)
    }
}
