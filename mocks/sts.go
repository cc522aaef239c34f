package mocks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stsNS is the XML namespace of STS's 2011-06-15 API.
const stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// STSPath is where the fake Route 53 serves its fake STS (AWS Security
// Token Service): an STS client's endpoint is the fake's address + STSPath
// (the SDK posts to the endpoint's path itself, "/sts").
const STSPath = "/sts"

// r53Role is an IAM role a client made for linkgate: whom it trusts (an
// account id) and the external ID the trust policy asks for.
type r53Role struct {
	Name       string `json:"name"`
	Trusted    string `json:"trusted"`
	ExternalID string `json:"external_id,omitempty"`
}

func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

var (
	stsRoleARNPattern     = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)
	stsSessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	stsExternalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]{2,}$`) // and at most 1224
)

// The fake STS is part of the fake Route 53, as IAM is part of an AWS
// account: it answers AssumeRole (the query protocol: a form-encoded POST
// with Action=AssumeRole, signed with Signature Version 4 for "sts") for
// the roles of the fake's accounts. The caller's account must be the one
// the role trusts and the external ID the one it asks for, else 403
// AccessDenied, as STS answers. The temporary credentials it issues
// (access key, secret, session token, expiration) then work at the fake
// Route 53 for the role's account, with their session token, until they
// expire (403 ExpiredToken after).

// PlatformAccount returns linkgate's own account in the fake (made the
// first time, kept by the Persister): the account roles trust, and the
// key linkgate assumes them with, as LINKGATE_AWS_* configure it live.
func (f *Route53) PlatformAccount() (account, accessKeyID, secret string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.st.Accounts {
		if a.Platform {
			for _, k := range a.Keys {
				if !k.Revoked && k.Token == "" {
					return a.ID, k.ID, k.Secret, nil
				}
			}
		}
	}
	a := &r53Account{ID: fmt.Sprintf("%012d", len(f.st.Accounts)+100000000000), Platform: true}
	if err := f.mutate(context.Background(), func() error { f.st.Accounts = append(f.st.Accounts, a); return nil }); err != nil {
		return "", "", "", err
	}
	k, err := f.addKeyLocked(context.Background(), a.ID)
	if err != nil {
		return "", "", "", err
	}
	return a.ID, k.ID, k.Secret, nil
}

// AddRole gives account a role that trusts the account trusted, asking
// for externalID ("" for none), and returns the role's ARN.
func (f *Route53) AddRole(account, trusted, externalID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	arn, _ := f.addRoleLocked(context.Background(), account, trusted, externalID)
	return arn
}

func (f *Route53) addRoleLocked(ctx context.Context, account, trusted, externalID string) (string, error) {
	a := f.accountLocked(account)
	if a == nil {
		return "", fmt.Errorf("mocks: route53: no account %s", account)
	}
	role := &r53Role{Name: "linkgate-dns-" + strconv.Itoa(len(a.Roles)+1), Trusted: trusted, ExternalID: externalID}
	return roleARN(a.ID, role.Name), f.mutate(ctx, func() error { a.Roles = append(a.Roles, role); return nil })
}

// CreateZoneWithRole is CreateZone for a client who gives linkgate a role
// instead of a key: a new account holding the public zone name and a
// role that trusts linkgate's account (PlatformAccount) with a fresh
// external ID. It returns the zone id and the credentials the adapter
// takes ("role_arn", "external_id") with "trusted_account_id".
func (f *Route53) CreateZoneWithRole(ctx context.Context, name string) (string, map[string]string, error) {
	platform, _, _, err := f.PlatformAccount()
	if err != nil {
		return "", nil, err
	}
	zoneID, keyCreds, err := f.CreateZone(ctx, name)
	if err != nil {
		return "", nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var acct string
	for _, a := range f.st.Accounts {
		for _, k := range a.Keys {
			if k.ID == keyCreds["access_key_id"] {
				acct = a.ID
			}
		}
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	ext := "lg-" + hex.EncodeToString(b)
	arn, err := f.addRoleLocked(ctx, acct, platform, ext)
	if err != nil {
		return "", nil, err
	}
	return zoneID, map[string]string{"role_arn": arn, "external_id": ext, "trusted_account_id": platform}, nil
}

// stsHandler serves STS's API (below STSPath).
func (f *Route53) stsHandler() http.Handler {
	return f.authenticatedAs("sts", stsNS, http.HandlerFunc(f.stsAction))
}

func stsError(w http.ResponseWriter, status int, code, msg string) {
	awsXMLError(w, stsNS, status, code, msg)
}

func (f *Route53) stsAction(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		stsError(w, http.StatusBadRequest, "InvalidAction", "Could not find operation "+r.Method+" for version NO_VERSION_SPECIFIED")
		return
	}
	if err := r.ParseForm(); err != nil {
		stsError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	switch action := r.PostForm.Get("Action"); {
	case action == "":
		stsError(w, http.StatusBadRequest, "MissingAction", "Missing Action")
	case action != "AssumeRole":
		stsError(w, http.StatusBadRequest, "InvalidAction", "Could not find operation "+action+" for version 2011-06-15")
	case r.PostForm.Get("Version") != "2011-06-15":
		stsError(w, http.StatusBadRequest, "InvalidAction", "Could not find operation AssumeRole for version "+r.PostForm.Get("Version"))
	default:
		f.assumeRole(w, r, r.PostForm)
	}
}

func (f *Route53) assumeRole(w http.ResponseWriter, r *http.Request, form url.Values) {
	arn, session, ext := form.Get("RoleArn"), form.Get("RoleSessionName"), form.Get("ExternalId")
	duration := 3600
	if v := form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 900 || n > 43200 {
			stsError(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '"+v+"' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200")
			return
		}
		duration = n
	}
	m := stsRoleARNPattern.FindStringSubmatch(arn)
	switch {
	case m == nil:
		stsError(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '"+arn+"' at 'roleArn' failed to satisfy constraint: Member must be a role ARN")
		return
	case !stsSessionNamePattern.MatchString(session):
		stsError(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
		return
	case ext != "" && (!stsExternalIDPattern.MatchString(ext) || len(ext) > 1224):
		stsError(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,./@:-]*")
		return
	}
	caller := r53Caller(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	var role *r53Role
	if a := f.accountLocked(m[1]); a != nil {
		for _, x := range a.Roles {
			if x.Name == m[2] {
				role = x
			}
		}
	}
	if role == nil || role.Trusted != caller || role.ExternalID != ext {
		stsError(w, http.StatusForbidden, "AccessDenied", "User: arn:aws:iam::"+caller+":user/linkgate is not authorized to perform: sts:AssumeRole on resource: "+arn)
		return
	}
	now := f.now().UTC().Truncate(time.Second)
	sb, tb := make([]byte, 30), make([]byte, 96)
	_, _ = rand.Read(sb)
	_, _ = rand.Read(tb)
	k := &r53Key{ID: r53ID("ASIA")[:20], Secret: hex.EncodeToString(sb)[:40], Token: "FwoG" + hex.EncodeToString(tb),
		Expires: now.Add(time.Duration(duration) * time.Second)}
	a := f.accountLocked(m[1])
	err := f.mutate(r.Context(), func() error {
		// Expired temporary keys are forgotten as new ones are issued.
		kept := a.Keys[:0]
		for _, x := range a.Keys {
			if x.Token == "" || now.Before(x.Expires) {
				kept = append(kept, x)
			}
		}
		a.Keys = append(kept, k)
		return nil
	})
	if err != nil {
		stsError(w, http.StatusInternalServerError, "InternalFailure", "could not save")
		return
	}
	type creds struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	}
	type user struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	}
	roleID := "AROA" + strings.ToUpper(hex.EncodeToString([]byte(role.Name)))
	if len(roleID) > 21 {
		roleID = roleID[:21]
	}
	r53XML(w, http.StatusOK, struct {
		XMLName xml.Name `xml:"AssumeRoleResponse"`
		NS      string   `xml:"xmlns,attr"`
		Result  struct {
			Credentials     creds `xml:"Credentials"`
			AssumedRoleUser user  `xml:"AssumedRoleUser"`
		} `xml:"AssumeRoleResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}{NS: stsNS, Result: struct {
		Credentials     creds `xml:"Credentials"`
		AssumedRoleUser user  `xml:"AssumedRoleUser"`
	}{
		Credentials:     creds{k.ID, k.Secret, k.Token, k.Expires.Format(time.RFC3339)},
		AssumedRoleUser: user{roleID + ":" + session, "arn:aws:sts::" + m[1] + ":assumed-role/" + m[2] + "/" + session},
	}, RequestID: r53ID("")[:8] + "-0000-4000-8000-" + r53ID("")[:12]})
}

// ZoneID returns the id of the first public zone named name ("" if none).
func (f *Route53) ZoneID(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.st.Accounts {
		for _, z := range a.Zones {
			if !z.Private && z.Name == strings.ToLower(strings.TrimSuffix(name, ".")) {
				return z.ID
			}
		}
	}
	return ""
}

// AccountOfZone returns the account holding the zone ("" if none).
func (f *Route53) AccountOfZone(zoneID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, _ := f.zoneLocked(zoneID)
	if a == nil {
		return ""
	}
	return a.ID
}
