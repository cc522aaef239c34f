package dnsbl

// Resolvers returns the resolvers the Client asks, for tests.
func (c *Client) Resolvers() []string { return append([]string(nil), c.resolvers...) }
