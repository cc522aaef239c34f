// Package hostseed names the domains that load runs and benchmarks seed:
// hosts ls.<word><n>.com, the word one of Words. cmd/lgload and the
// domain-search benchmark of package models seed with it, so that what
// they measure is searched over the same names.
package hostseed

import (
	"strconv"
	"strings"
)

// Words make the hosts. None is a substring of another (nor contains "ls"
// or "com"), so searching for a word matches the hosts made from it: about
// 1/len(Words) of them when the words are used evenly. Callers must not
// change it.
var Words = strings.Fields(`
amberly apexon arcadia bayleaf birchwood bluefin bramble brightly cascade cedarly
cinder cobalt copperix coralia cypress daybreak driftwood ember evergreen falcon
fernway fjordic flintrock foxglove garnet glacier goldleaf granite harbor hazelnut
heronry horizon indigo ironwood ivoryx jasper juniper kelpie kestrel lagoon
larkspur lavender lumina magnolia mariner meadow merlin mistral monarch nebula
nimbus northwind oakridge obsidian onyxia orchid osprey pebble pinecone plover
quarry quartz quillon raven redwood ripple saffron sapphire sequoia sierra
silverly sorrel sparrow summit sunbeam tamarack tempest thistle timber topaz
tundra umber upland valiant velvet verbena vireo walnut willow wrenfield
yarrow zephyr zinnia alpenglow bristol calypso dunmore elmstead fairhaven glenrock`)

// Subdomain is the label in front of every apex.
const Subdomain = "ls"

// Apex returns the apex made from Words[word] and n: <word><n>.com.
func Apex(word, n int) string {
	return Words[word] + strconv.Itoa(n) + ".com"
}

// Host returns the host on an apex: ls.<apex>.
func Host(apex string) string {
	return Subdomain + "." + apex
}

// SearchWords returns the 8 words the search scenarios look for: every
// 12th word from the 4th, spread over the alphabet.
func SearchWords() []string {
	var out []string
	for i := 3; i < len(Words) && len(out) < 8; i += 12 {
		out = append(out, Words[i])
	}
	return out
}
