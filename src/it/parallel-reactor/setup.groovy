// The wheel index this IT installs from.
evaluate(new File(itCommon, 'make-shout-wheel.groovy'))(basedir)
true
