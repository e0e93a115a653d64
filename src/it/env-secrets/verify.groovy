// An env var from each source (.env, the POM, -D) and a secret (.secrets/) reach the handler, under
// both roots; the secret is in no image, log, QEMU command line or leftover file.
def log = new File(basedir, 'build.log').text
assert log.count('PASS env (') == 2 : 'the env case passes under both roots'
assert log.count('fs0 as an initrd:') == 1 : 'one run with the initrd root, one with 9p'
assert log.contains('Run-time environment: ')
assert log =~ /secrets: API_TOKEN/
assert log.contains('Deleted the run-time environment files (secrets) a killed build left') : 'setup.groovy\'s leftover was swept'
def secret = 's3cr=t'
assert !log.contains(secret) : 'the secret is in the build log'
def target = new File(basedir, 'target')
def command = new File(target, 'unikernel/qemu-command.txt').text
assert !command.contains(secret) && !command.contains('API_TOKEN')
def tar = new File(target, 'env-secrets-1.oci.tar')
assert tar.isFile()
def tarBytes = new String(tar.bytes, 'ISO-8859-1')
assert !tarBytes.contains(secret) : 'the secret is in the image tar'
assert !tarBytes.contains('ukfaas-env.json') : 'the run-time environment file is in the image tar'
// Nothing left behind: no run-time file in fs0, no run-time initrd.
def leftovers = []
target.eachFileRecurse { f -> if (f.name == 'ukfaas-env.json' || f.path.contains('/unikernel/run/')) leftovers << f }
assert leftovers.isEmpty() : leftovers
target.eachFileRecurse { f ->
    if (f.isFile() && f.length() < 50_000_000 && !f.name.endsWith('.oci.tar')) {
        assert !new String(f.bytes, 'ISO-8859-1').contains(secret) : "the secret is in $f"
    }
}
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
