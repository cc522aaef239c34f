//go:build race

package api_test

// raceDetector is true in a build with -race.
const raceDetector = true
