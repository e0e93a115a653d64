// The generation failed naming the bad id and the fix, and left no project behind.
def log = new File(basedir, 'build.log').text
assert log.contains('is not a valid Maven artifactId') : log.readLines().takeRight(40).join('\n')
assert log.contains('-DartifactId=my-function') : 'the fix is named'
def generated = new File(basedir, 'generated')
def left = generated.exists() ? generated.list() as List : []
assert left.isEmpty() : "generated/ holds ${left}: nothing may be left of a refused project"
