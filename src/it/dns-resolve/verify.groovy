// A handler resolves localhost and the function's own name from fs0's /etc/hosts (no DNS query for them),
// and a name through the DNS server unikernel.dns names (setup.groovy's responder at 10.0.2.2): A and AAAA
// queries reached it, an unknown name is a gaierror.
def stop = new File(basedir, 'dns-stop')
stop.text = 'stop'
Thread.sleep(1500) // the responder sees the file within 0.5 s and releases port 53 for the next run
def log = new File(basedir, 'build.log').text
assert log.contains('PASS resolve (') : 'the handler resolved every name as expected'
def fs0 = new File(basedir, 'target/unikernel/fs0')
assert new File(fs0, 'etc/resolv.conf').text.contains('nameserver 10.0.2.2\n')
assert new File(fs0, 'etc/hosts').text.contains('127.0.0.1\tlocalhost dns-resolve')
def queries = new File(basedir, 'dns-queries.txt').readLines()
assert queries.contains('fn.ukfaas-it.test 1') : 'the A query reached the responder: ' + queries
assert queries.contains('fn.ukfaas-it.test 28') : 'so did the AAAA query of getaddrinfo: ' + queries
assert queries.any { it.startsWith('missing.ukfaas-it.test ') } : queries
assert !queries.any { it.startsWith('localhost') || it.startsWith('dns-resolve') } : 'hosts names need no DNS: ' + queries
assert !queries.any { it.startsWith('bad query') } : queries
assert log =~ /No TLS in the guest: the unikraft-0\.13\.1-python3\.7 runtime has no ssl module/
assert log.count('No TLS in the guest') == 1 : 'said once per build'
assert log =~ /Guest clock: [01]\.\d{3}x the host's / : 'the clock was measured'
assert !log.contains("The guest's clock runs at") : 'a normal boot has a true clock: ' + log.findAll(/.*clock runs at.*/)
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
