"""The application's work: one build, a class of variants, the build cache, publishing
outputs, grading. It chains report/ and solver/; build.py only calls it."""
