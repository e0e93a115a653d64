// Shared by the ITs' verify.groovy: `evaluate(new File(itCommon, 'no-qemu-left.groovy'))('<artifactId>')`
// asserts that no QEMU of that project (tagged -name unikernel-faas:<artifactId>) outlived its build.
return { String artifactId ->
    def left = ['pgrep', '-f', 'unikernel-faas:' + artifactId].execute()
    left.waitFor()
    assert left.exitValue() == 1 : 'a QEMU of ' + artifactId + ' is still running: ' + left.text
    true
}
