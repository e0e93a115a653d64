// Two builds on the self-contained CI test kernel: the first boots cold and saves the VM's state, the second
// restores it (QEMU -incoming), re-seeds the wrapper and passes every event without booting.
def log = new File(basedir, 'build.log').text
def cache = new File(basedir, 'target/ukfaas-cache/snapshots')
def count = { String s -> log.findAll(java.util.regex.Pattern.quote(s)).size() }

assert !log.contains('Warm start off for this VM') : 'the self-contained kernel has no 9p share: warm start is on'
assert count('Booting vmlinux under') == 1 : 'one cold boot (the first build) in all'
assert count('Warm start: saved the VM\'s state') == 1 : 'the cold boot saved its state'
assert log.findAll(/Warm start: restoring the VM saved in \S*\/target\/ukfaas-cache\/snapshots\/\w+ /).size() == 1 : 'the second build restored from this IT\'s cache'
def restored = log.find(/Warm start: restored and answering after [0-9.]+ s; re-seeded ([^;]+); guest wall clock ([^\n]+)/)
assert restored : 'the restored guest answered /health and the wrapper took POST /_/restored'
assert restored.contains('re-seeded random, os.urandom') : restored
assert log.indexOf('Warm start: saved') < log.indexOf('Warm start: restored') : 'saved by the first build, restored by the second'
assert !log.contains('Warm start failed') && !log.contains('could not save') : 'no fallback to a cold boot'
assert count('PASS round-trip (') == 2 : 'the event passed on the cold VM and on the restored one'
assert !log.contains('FAIL ')

// The cache: one complete entry (state, its size in the marker, what the key covers).
def entries = cache.listFiles().findAll { it.isDirectory() && !it.name.startsWith('.') }
assert entries.size() == 1 : 'one saved state: ' + entries
def state = new File(entries[0], 'state')
assert state.isFile() && state.length() > 0
assert new File(entries[0], 'complete').text.trim() == state.length().toString()
assert new File(entries[0], 'inputs.txt').text.contains('arg -machine') : 'the key covers the bundle\'s qemuArgs'

// The second build's QEMU loaded the state and never booted: its console starts after the restore.
def command = new File(basedir, 'target/unikernel/qemu-command.txt').readLines()
assert command.contains('-incoming') && command.last() == "exec:cat '" + state.absolutePath + "'" : command
assert !command.any { it.contains('virtio-9p') || it == '-fsdev' } : 'no 9p share: ' + command
def console = new File(basedir, 'target/unikernel/console.log').text
assert !console.contains('init: modules loaded') : 'the restored guest did not boot: ' + console
assert console.findAll('ukfaas: restored from a saved state: re-seeded random, os.urandom').size() == 1 : console
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
