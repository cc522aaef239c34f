package console

// ClientsPageSize is how many clients a page of the list shows (for the
// tests, package console_test).
const ClientsPageSize = consoleClientsPageSize

// FailureOf is failureOf, for the tests of the failure words.
var FailureOf = failureOf
