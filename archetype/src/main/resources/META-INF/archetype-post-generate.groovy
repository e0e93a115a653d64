// maven-archetype writes every file without its permissions: give the Maven wrapper back its exec bit.
def mvnw = new File(request.outputDirectory, request.artifactId + '/mvnw')
if (mvnw.isFile() && !mvnw.setExecutable(true, false)) {
    println "Could not make ${mvnw} executable: run it as `sh mvnw`"
}
