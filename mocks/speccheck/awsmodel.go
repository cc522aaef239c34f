package speccheck

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The AWS service models (botocore's JSON form of the services' Smithy
// models, Apache-2.0: see specs/botocore.md).
const (
	// Route53 is Route 53's 2013-04-01 model (protocol rest-xml).
	Route53 = "route53_2013-04-01"
	// STS is the Security Token Service's 2011-06-15 model (protocol
	// query).
	STS = "sts_2011-06-15"
)

// AWSCommonErrors are the error codes any AWS API may answer although no
// operation lists them (AWS's "common errors", plus the authentication
// codes its front end gives: SignatureDoesNotMatch, ExpiredToken,
// MissingAuthenticationToken; and Throttling, the code Route 53 answers
// its rate limit with, HTTP 400).
var AWSCommonErrors = []string{
	"AccessDenied", "AccessDeniedException", "ExpiredToken", "IncompleteSignature", "InternalFailure",
	"InvalidAction", "InvalidClientTokenId", "InvalidParameterCombination", "InvalidParameterValue",
	"InvalidQueryParameter", "MalformedQueryString", "MissingAction", "MissingAuthenticationToken",
	"MissingParameter", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable",
	"SignatureDoesNotMatch", "Throttling", "ThrottlingException", "ValidationError",
}

// AWSModel is one AWS service model: its operations (HTTP method and
// request URI, output and error shapes) and shapes.
type AWSModel struct {
	Name      string
	Protocol  string // "rest-xml" or "query"
	Namespace string // the XML namespace of its answers
	ops       map[string]*awsOp
	shapes    map[string]*awsShape
}

type awsRef struct {
	Shape         string `json:"shape"`
	LocationName  string `json:"locationName"`
	Location      string `json:"location"`
	ResultWrapper string `json:"resultWrapper"`
	Flattened     bool   `json:"flattened"`
}

type awsOp struct {
	Name string `json:"name"`
	HTTP struct {
		Method     string `json:"method"`
		RequestURI string `json:"requestUri"`
	} `json:"http"`
	Output *awsRef  `json:"output"`
	Errors []awsRef `json:"errors"`
	uri    *regexp.Regexp
}

type awsShape struct {
	Type            string             `json:"type"`
	Required        []string           `json:"required"`
	Members         map[string]*awsRef `json:"members"`
	Member          *awsRef            `json:"member"`
	Enum            []string           `json:"enum"`
	Flattened       bool               `json:"flattened"`
	TimestampFormat string             `json:"timestampFormat"`
	Payload         string             `json:"payload"`
	Exception       bool               `json:"exception"`
	Error           *struct {
		Code string `json:"code"`
	} `json:"error"`
}

var (
	amu    sync.Mutex
	models = map[string]*AWSModel{}
)

// LoadAWS returns the named model, loaded once per process.
func LoadAWS(name string) (*AWSModel, error) {
	amu.Lock()
	defer amu.Unlock()
	if m, ok := models[name]; ok {
		return m, nil
	}
	data, err := specFS.ReadFile("specs/" + name + ".json")
	if err != nil {
		return nil, err
	}
	var raw struct {
		Metadata struct {
			Protocol     string `json:"protocol"`
			XMLNamespace string `json:"xmlNamespace"`
		} `json:"metadata"`
		Operations map[string]*struct {
			awsOp
			Input *struct {
				XMLNamespace struct {
					URI string `json:"uri"`
				} `json:"xmlNamespace"`
			} `json:"input"`
		} `json:"operations"`
		Shapes map[string]*awsShape `json:"shapes"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	m := &AWSModel{Name: name, Protocol: raw.Metadata.Protocol, Namespace: raw.Metadata.XMLNamespace,
		ops: map[string]*awsOp{}, shapes: raw.Shapes}
	for n, o := range raw.Operations {
		op := o.awsOp
		// A final slash is not significant: botocore's ChangeResourceRecordSets
		// is ".../rrset/", the Smithy model the Go SDK is generated from
		// says ".../rrset".
		path, _, _ := strings.Cut(op.HTTP.RequestURI, "?")
		if len(path) > 1 {
			path = strings.TrimSuffix(path, "/")
		}
		op.uri = templatePattern(strings.NewReplacer("+}", "}").Replace(path))
		m.ops[n] = &op
		if m.Namespace == "" && o.Input != nil {
			m.Namespace = o.Input.XMLNamespace.URI // rest-xml names it per input
		}
	}
	if len(m.ops) == 0 || m.Namespace == "" {
		return nil, fmt.Errorf("%s: no operations or no XML namespace", name)
	}
	models[name] = m
	return m, nil
}

// operation finds the operation a request calls: by its Action parameter
// in the query protocol, else by method and request URI.
func (m *AWSModel) operation(req *http.Request, path string, body []byte) *awsOp {
	if m.Protocol == "query" {
		action := req.URL.Query().Get("Action")
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			action = form.Get("Action")
		}
		return m.ops[action]
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	for _, op := range m.ops {
		if op.HTTP.Method == req.Method && op.uri.MatchString(path) {
			return op
		}
	}
	return nil
}

// CheckResponse checks an answer to operation op (by name) and returns
// the problems found.
func (m *AWSModel) CheckResponse(op string, status int, header http.Header, body []byte) []string {
	o := m.ops[op]
	if o == nil {
		return []string{"no operation " + op + " in " + m.Name}
	}
	return m.checkResponse(o, status, header, body)
}

func (m *AWSModel) checkResponse(op *awsOp, status int, header http.Header, body []byte) []string {
	ct := header.Get("Content-Type")
	if status >= 500 && strings.HasPrefix(ct, "text/html") {
		return nil // a front end's error page: not the API's answer
	}
	mt, _, _ := strings.Cut(ct, ";")
	if mt != "text/xml" && mt != "application/xml" {
		return []string{fmt.Sprintf("Content-Type %q, want text/xml", ct)}
	}
	root, err := parseXMLTree(body)
	if err != nil {
		return []string{"not XML: " + err.Error()}
	}
	var out []string
	if root.ns != m.Namespace {
		out = append(out, fmt.Sprintf("root %s has namespace %q, want %q", root.name, root.ns, m.Namespace))
	}
	if status >= 300 {
		return append(out, m.checkError(op, root)...)
	}
	if root.name == "ErrorResponse" {
		return append(out, fmt.Sprintf("status %d with an ErrorResponse body", status))
	}
	if op.Output == nil {
		return out
	}
	want := op.Output.Shape
	shape := m.shapes[want]
	if shape != nil && shape.Payload != "" { // the body is one member's
		if ref := shape.Members[shape.Payload]; ref != nil {
			want = ref.Shape
			if ref.LocationName != "" {
				want = ref.LocationName
			}
			return append(out, m.checkNamed(root, want, ref.Shape, false)...)
		}
	}
	if op.Output.ResultWrapper == "" {
		return append(out, m.checkNamed(root, want, op.Output.Shape, false)...)
	}
	// The query protocol: <XResponse><XResult>members</XResult>
	// <ResponseMetadata><RequestId/></ResponseMetadata></XResponse>.
	if root.name != op.Name+"Response" {
		return append(out, fmt.Sprintf("root element %s, want %sResponse", root.name, op.Name))
	}
	var result *xmlTree
	for _, k := range root.kids {
		switch k.name {
		case op.Output.ResultWrapper:
			result = k
		case "ResponseMetadata":
			if len(k.kids) != 1 || k.kids[0].name != "RequestId" {
				out = append(out, "ResponseMetadata must hold RequestId alone")
			}
		default:
			out = append(out, fmt.Sprintf("%s/%s: neither %s nor ResponseMetadata", root.name, k.name, op.Output.ResultWrapper))
		}
	}
	if result == nil {
		return append(out, root.name+": no "+op.Output.ResultWrapper)
	}
	return append(out, m.checkNamed(result, op.Output.ResultWrapper, op.Output.Shape, false)...)
}

// checkError checks an error answer: AWS's envelope
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>
// </ErrorResponse> whose Code is an error the operation lists or a
// common one; or (Route 53's InvalidChangeBatch) a body rooted at the
// error shape itself, which the model does not describe on the wire and
// the SDK reads through a customization: its elements are the shape's
// members, compared without case (Messages for messages), and RequestId.
func (m *AWSModel) checkError(op *awsOp, root *xmlTree) []string {
	codes := map[string]string{} // wire code → shape
	for _, e := range op.Errors {
		code := e.Shape
		if s := m.shapes[e.Shape]; s != nil && s.Error != nil && s.Error.Code != "" {
			code = s.Error.Code
		}
		codes[code] = e.Shape
	}
	if root.name != "ErrorResponse" {
		if _, ok := codes[root.name]; !ok {
			return []string{fmt.Sprintf("error body rooted at %s, which is neither ErrorResponse nor an error of %s", root.name, op.Name)}
		}
		return m.checkNamed(root, root.name, codes[root.name], true)
	}
	var out []string
	var code string
	seenErr := false
	for _, k := range root.kids {
		switch k.name {
		case "RequestId", "RequestID":
		case "Error":
			seenErr = true
			for _, e := range k.kids {
				switch e.name {
				case "Code":
					code = strings.TrimSpace(e.text)
				case "Type":
					if t := strings.TrimSpace(e.text); t != "Sender" && t != "Receiver" {
						out = append(out, fmt.Sprintf("ErrorResponse/Error/Type %q is neither Sender nor Receiver", t))
					}
				case "Message":
				default:
					out = append(out, "ErrorResponse/Error/"+e.name+": not an element of AWS's error envelope")
				}
			}
		default:
			out = append(out, "ErrorResponse/"+k.name+": not an element of AWS's error envelope")
		}
	}
	switch {
	case !seenErr:
		out = append(out, "ErrorResponse without Error")
	case code == "":
		out = append(out, "ErrorResponse/Error without Code")
	case codes[code] == "" && !slices.Contains(AWSCommonErrors, code):
		out = append(out, fmt.Sprintf("error code %s is not an error of %s nor a common AWS error", code, op.Name))
	}
	return out
}

// checkNamed checks that n is the element name holding shape.
func (m *AWSModel) checkNamed(n *xmlTree, name, shape string, anyCase bool) []string {
	if n.name != name {
		return []string{fmt.Sprintf("root element %s, want %s", n.name, name)}
	}
	return m.checkShape(n.name, n, shape, anyCase)
}

// checkShape checks element n against the named shape.
func (m *AWSModel) checkShape(at string, n *xmlTree, name string, errorBody bool) []string {
	s := m.shapes[name]
	if s == nil {
		return []string{fmt.Sprintf("%s: no shape %s in %s", at, name, m.Name)}
	}
	text := strings.TrimSpace(n.text)
	notA := func(what string) []string { return []string{fmt.Sprintf("%s: %q is not a %s", at, text, what)} }
	switch s.Type {
	case "string":
		if len(n.kids) > 0 {
			return []string{at + ": elements inside a string"}
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, text) {
			return []string{fmt.Sprintf("%s: %q is not one of %s's values %v", at, text, name, s.Enum)}
		}
	case "long", "integer":
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return notA(s.Type)
		}
	case "float", "double":
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return notA(s.Type)
		}
	case "boolean":
		if text != "true" && text != "false" {
			return notA("boolean")
		}
	case "timestamp":
		switch s.TimestampFormat {
		case "", "iso8601":
			if _, err := time.Parse(time.RFC3339Nano, text); err != nil {
				return notA("ISO 8601 timestamp")
			}
		case "unixTimestamp":
			if _, err := strconv.ParseFloat(text, 64); err != nil {
				return notA("Unix timestamp")
			}
		case "rfc822":
			if _, err := time.Parse(time.RFC1123, text); err != nil {
				return notA("RFC 822 timestamp")
			}
		}
	case "list":
		item := "member"
		if s.Member.LocationName != "" {
			item = s.Member.LocationName
		}
		var out []string
		for i, k := range n.kids {
			if k.name != item {
				out = append(out, fmt.Sprintf("%s/%s: want %s items", at, k.name, item))
				continue
			}
			out = append(out, m.checkShape(fmt.Sprintf("%s/%s[%d]", at, item, i), k, s.Member.Shape, false)...)
		}
		return out
	case "structure":
		return m.checkStructure(at, n, name, s, errorBody)
	}
	return nil
}

func (m *AWSModel) checkStructure(at string, n *xmlTree, name string, s *awsShape, errorBody bool) []string {
	elems := map[string]string{} // element name → member name
	for mem, ref := range s.Members {
		if ref.Location != "" { // a header or the status code
			continue
		}
		el := mem
		if ref.LocationName != "" {
			el = ref.LocationName
		}
		if errorBody {
			el = strings.ToLower(el)
		}
		elems[el] = mem
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range n.kids {
		el := k.name
		if errorBody {
			el = strings.ToLower(el)
			if el == "requestid" {
				continue
			}
		}
		mem, ok := elems[el]
		if !ok {
			out = append(out, fmt.Sprintf("%s/%s: not a member of %s", at, k.name, name))
			continue
		}
		ref := s.Members[mem]
		if seen[mem] {
			if t := m.shapes[ref.Shape]; t == nil || t.Type != "list" || !(t.Flattened || ref.Flattened) {
				out = append(out, fmt.Sprintf("%s/%s: repeated", at, k.name))
			}
		}
		seen[mem] = true
		out = append(out, m.checkShape(at+"/"+k.name, k, ref.Shape, false)...)
	}
	for _, r := range s.Required {
		if ref := s.Members[r]; ref != nil && ref.Location == "" && !seen[r] {
			out = append(out, fmt.Sprintf("%s: required member %s is missing", at, r))
		}
	}
	return out
}

// xmlTree is an element with its children and text.
type xmlTree struct {
	name, ns, text string
	kids           []*xmlTree
}

func parseXMLTree(data []byte) (*xmlTree, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xmlTree
	var root *xmlTree
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if root == nil {
				return nil, fmt.Errorf("no element")
			}
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlTree{name: t.Name.Local, ns: t.Name.Space}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root == nil {
				root = n
			} else {
				return nil, fmt.Errorf("a second root element %s", n.name)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
}

// AWSTransport checks each answer the SDK reads against the model of
// the service the request is for: the operation is found by method and
// request URI (rest-xml) or by Action (query); a success's body must be
// its output shape (root element, every element a member, by
// locationName where the model gives one, required members present,
// enums, numbers, booleans and timestamps that parse, list items under
// their member's name; the query protocol's <XResult> wrapper and
// ResponseMetadata), an error's must be AWS's error envelope with a code
// the operation lists or a common one (AWSCommonErrors). Requests whose
// path does not start with PathPrefix + Prefix pass unchecked (the other
// service's, when two share a server). A request to no operation is a
// problem. Problems go to Errorf, which must be set (t.Errorf).
type AWSTransport struct {
	Base       http.RoundTripper
	Model      *AWSModel
	PathPrefix string
	Prefix     string // e.g. "/2013-04-01/" for Route 53
	Errorf     func(format string, args ...any)

	recorder
}

// RoundTrip implements http.RoundTripper.
func (tr *AWSTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	path := strings.TrimPrefix(req.URL.Path, tr.PathPrefix)
	if !strings.HasPrefix(path, tr.Prefix) {
		return baseOf(tr.Base).RoundTrip(req)
	}
	body, err := captureRequest(req)
	if err != nil {
		return nil, err
	}
	op := tr.Model.operation(req, path, body)
	if op == nil {
		tr.Errorf("speccheck: %s %s is in no operation of %s", req.Method, path, tr.Model.Name)
		return baseOf(tr.Base).RoundTrip(req)
	}
	resp, rbody, err := captureResponse(tr.Base, req)
	if err != nil {
		return nil, err
	}
	for _, p := range tr.Model.checkResponse(op, resp.StatusCode, resp.Header, rbody) {
		tr.Errorf("speccheck: answer to %s %s (%d) does not match %s %s: %s\nbody: %s", req.Method, path, resp.StatusCode, tr.Model.Name, op.Name, p, clip(rbody))
	}
	tr.record(Exchange{Spec: tr.Model.Name, Method: req.Method, Route: op.Name, Status: resp.StatusCode})
	return resp, nil
}
