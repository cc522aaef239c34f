package redirect

// EncodeVisit is the journal record of a click.
var EncodeVisit = encodeVisit
