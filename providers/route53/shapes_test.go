package route53

// A check of the fake's answers against Route 53's API description. The
// Smithy model (aws-sdk-go-v2's codegen/sdk-codegen/aws-models/route-53.json,
// Apache-2.0) is 650 kB and its repository too large to bring here, so the
// shapes the adapter reads are transcribed below from it: each output
// structure's members (by XML element name), which are required, and the
// enums. Every response that goes through shapeTransport is checked: its
// root element names a known output or error shape in Route 53's
// namespace, every element is a member of its shape, required members are
// present, enums hold one of their values, numbers and booleans parse, and
// timestamps are ISO 8601. The SDK's own deserializers then read the same
// bytes in the conformance suite.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type xmlShape struct {
	members  map[string]string // element → shape name ("string", "long", "boolean", "timestamp", an enum or a structure)
	required []string
	list     map[string]string // a list member's item element ("HostedZones" → "HostedZone")
}

var (
	rrTypes      = "SOA A TXT NS CNAME MX NAPTR PTR SRV SPF AAAA CAA DS TLSA SSHFP SVCB HTTPS"
	changeStatus = "PENDING INSYNC"
	r53Enums     = map[string]string{"RRType": rrTypes, "ChangeStatus": changeStatus, "ErrorType": "Sender Receiver"}
	r53Shapes    = map[string]xmlShape{
		"GetHostedZoneCountResponse": {members: map[string]string{"HostedZoneCount": "long"}, required: []string{"HostedZoneCount"}},
		"ListHostedZonesResponse": {members: map[string]string{"HostedZones": "HostedZone", "Marker": "string", "IsTruncated": "boolean",
			"NextMarker": "string", "MaxItems": "integer"},
			required: []string{"HostedZones", "Marker", "IsTruncated", "MaxItems"}, list: map[string]string{"HostedZones": "HostedZone"}},
		"HostedZone": {members: map[string]string{"Id": "string", "Name": "string", "CallerReference": "string", "Config": "HostedZoneConfig",
			"ResourceRecordSetCount": "long", "LinkedService": "LinkedService", "Features": "HostedZoneFeatures"},
			required: []string{"Id", "Name", "CallerReference"}},
		"HostedZoneConfig": {members: map[string]string{"Comment": "string", "PrivateZone": "boolean"}},
		"ListResourceRecordSetsResponse": {members: map[string]string{"ResourceRecordSets": "ResourceRecordSet", "IsTruncated": "boolean",
			"NextRecordName": "string", "NextRecordType": "RRType", "NextRecordIdentifier": "string", "MaxItems": "integer"},
			required: []string{"ResourceRecordSets", "IsTruncated", "MaxItems"}, list: map[string]string{"ResourceRecordSets": "ResourceRecordSet"}},
		"ResourceRecordSet": {members: map[string]string{"Name": "string", "Type": "RRType", "SetIdentifier": "string", "Weight": "long",
			"Region": "string", "Failover": "string", "MultiValueAnswer": "boolean", "TTL": "long", "ResourceRecords": "ResourceRecord",
			"HealthCheckId": "string", "TrafficPolicyInstanceId": "string"},
			required: []string{"Name", "Type"}, list: map[string]string{"ResourceRecords": "ResourceRecord"}},
		"ResourceRecord":                   {members: map[string]string{"Value": "string"}, required: []string{"Value"}},
		"ChangeResourceRecordSetsResponse": {members: map[string]string{"ChangeInfo": "ChangeInfo"}, required: []string{"ChangeInfo"}},
		"GetChangeResponse":                {members: map[string]string{"ChangeInfo": "ChangeInfo"}, required: []string{"ChangeInfo"}},
		"ChangeInfo": {members: map[string]string{"Id": "string", "Status": "ChangeStatus", "SubmittedAt": "timestamp", "Comment": "string"},
			required: []string{"Id", "Status", "SubmittedAt"}},
		// Errors: the restXml protocol's envelope, and InvalidChangeBatch's own body.
		"ErrorResponse":      {members: map[string]string{"Error": "Error", "RequestId": "string"}, required: []string{"Error"}},
		"Error":              {members: map[string]string{"Type": "ErrorType", "Code": "string", "Message": "string"}, required: []string{"Code"}},
		"InvalidChangeBatch": {members: map[string]string{"Messages": "string", "message": "string", "RequestId": "string"}, list: map[string]string{"Messages": "Message"}},
	}
)

// xmlNode is an element with its children or text.
type xmlNode struct {
	name, ns, text string
	kids           []*xmlNode
}

func parseXML(data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local, ns: t.Name.Space}
			if len(stack) > 0 {
				stack[len(stack)-1].kids = append(stack[len(stack)-1].kids, n)
			} else {
				root = n
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

// checkShape checks n against the shape named shape.
func checkShape(path string, n *xmlNode, shape string) []string {
	var errs []string
	switch shape {
	case "string":
		return nil
	case "long", "integer":
		if _, err := strconv.ParseInt(strings.TrimSpace(n.text), 10, 64); err != nil {
			return []string{path + ": not a number: " + n.text}
		}
		return nil
	case "boolean":
		if t := strings.TrimSpace(n.text); t != "true" && t != "false" {
			return []string{path + ": not a boolean: " + n.text}
		}
		return nil
	case "timestamp":
		if _, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(n.text)); err != nil {
			return []string{path + ": not an ISO 8601 timestamp: " + n.text}
		}
		return nil
	}
	if vals, ok := r53Enums[shape]; ok {
		for _, v := range strings.Fields(vals) {
			if strings.TrimSpace(n.text) == v {
				return nil
			}
		}
		return []string{path + ": " + n.text + " is not a " + shape}
	}
	s, ok := r53Shapes[shape]
	if !ok {
		return []string{path + ": no shape " + shape + " in the transcribed model"}
	}
	seen := map[string]bool{}
	for _, k := range n.kids {
		seen[k.name] = true
		member, ok := s.members[k.name]
		if !ok {
			errs = append(errs, path+"/"+k.name+": not a member of "+shape)
			continue
		}
		if item, isList := s.list[k.name]; isList {
			for _, it := range k.kids {
				if it.name != item {
					errs = append(errs, path+"/"+k.name+"/"+it.name+": want "+item+" items")
					continue
				}
				errs = append(errs, checkShape(path+"/"+k.name+"/"+item, it, member)...)
			}
			continue
		}
		errs = append(errs, checkShape(path+"/"+k.name, k, member)...)
	}
	for _, r := range s.required {
		if !seen[r] {
			errs = append(errs, path+": required member "+r+" is missing")
		}
	}
	return errs
}

// shapeTransport checks every Route 53 answer against the shapes.
type shapeTransport struct {
	base   http.RoundTripper
	errorf func(format string, args ...any)

	mu   sync.Mutex
	seen map[string]int // root element → answers checked
}

func (s *shapeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	where := req.Method + " " + req.URL.Path
	if resp.StatusCode >= 500 && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return resp, nil // a front end's error page: not the API's answer
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" && ct != "application/xml" {
		s.errorf("%s: Content-Type %q, want text/xml", where, ct)
	}
	root, err := parseXML(body)
	if err != nil || root == nil {
		s.errorf("%s: not XML (%v): %s", where, err, body)
		return resp, nil
	}
	if root.ns != "https://route53.amazonaws.com/doc/2013-04-01/" {
		s.errorf("%s: namespace %q", where, root.ns)
	}
	if (resp.StatusCode < 300) == (root.name == "ErrorResponse" || root.name == "InvalidChangeBatch") {
		s.errorf("%s: status %d with a %s body", where, resp.StatusCode, root.name)
	}
	for _, e := range checkShape(root.name, root, root.name) {
		s.errorf("%s (%d): %s", where, resp.StatusCode, e)
	}
	s.mu.Lock()
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	s.seen[root.name]++
	s.mu.Unlock()
	return resp, nil
}

// checked returns the shapes of the answers seen.
func (s *shapeTransport) checked() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.seen)
}

// The shape check refuses what Route 53 would never send.
func TestShapeCheckRefuses(t *testing.T) {
	for body, want := range map[string]string{
		`<ListHostedZonesResponse><HostedZones/><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>`:                                                                                                                               "required member Marker",
		`<GetChangeResponse><ChangeInfo><Id>/change/C1</Id><Status>DONE</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo></GetChangeResponse>`:                                                                                                 "DONE is not a ChangeStatus",
		`<GetHostedZoneCountResponse><HostedZoneCount>3</HostedZoneCount><Count>3</Count></GetHostedZoneCountResponse>`:                                                                                                                                           "Count: not a member",
		`<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>a.</Name><Type>CNAME</Type><TTL>soon</TTL></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>`: "not a number",
	} {
		root, err := parseXML([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		errs := strings.Join(checkShape(root.name, root, root.name), "\n")
		if !strings.Contains(errs, want) {
			t.Errorf("%s: errors %q, want %q", body, errs, want)
		}
	}
}
