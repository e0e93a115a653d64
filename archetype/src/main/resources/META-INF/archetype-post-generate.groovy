// Maven refuses an id outside [A-Za-z0-9_\-.] at the project's first build ("'artifactId' with value
// 'Ünïcode' does not match a valid id pattern"); archetype:generate in batch mode does not apply the
// descriptor's validationRegex. Refuse here, naming the fix, and leave nothing half-made behind.
def validId = ~/[A-Za-z0-9_\-.]+/
def project = new File(request.outputDirectory, request.artifactId)
['groupId': request.groupId, 'artifactId': request.artifactId].each { name, value ->
    if (!(value ==~ validId)) {
        // Only the directory this run created (it refuses an existing one), never a path the id climbs to.
        if (project.canonicalFile.parentFile == new File(request.outputDirectory).canonicalFile) {
            project.deleteDir()
        }
        throw new IllegalArgumentException("'" + value + "' is not a valid Maven " + name + ": use only letters"
                + " A-Z and a-z, digits, '_', '-' and '.' (e.g. -D" + name + "=" + (name == 'groupId' ? 'com.example'
                : 'my-function') + "). Nothing was generated.")
    }
}

// maven-archetype writes every file without its permissions: give the Maven wrapper back its exec bit.
def mvnw = new File(request.outputDirectory, request.artifactId + '/mvnw')
if (mvnw.isFile() && !mvnw.setExecutable(true, false)) {
    println "Could not make ${mvnw} executable: run it as `sh mvnw`"
}
