// What a build killed with -9 left before this plugin swept: a run-time initrd holding the secret, with no
// record of its owner (an older plugin's). The first goal of the next build deletes it.
def run = new File(basedir, 'target/unikernel/run')
run.mkdirs()
new File(run, 'fs0.cpio').text = 'left by a killed build: s3cr=t'
new File(run, 'initrd-with-fs0.img').text = 'left by a killed build: s3cr=t'
true
