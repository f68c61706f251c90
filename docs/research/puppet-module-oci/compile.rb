#!/usr/bin/ruby
# Compile catalogs for several nodes in ONE Puppet process, without Facter and
# without touching this host: private conf/var/code dirs, facts from YAML files
# (VARDIR/yaml/facts/CERT.yaml), ENC through node_terminus=exec, pinned module
# path. Then catalog.to_ral (what an agent does before applying).
# Usage: compile.rb CERT [CERT...]   (env ENC=path/to/enc-script)
require 'puppet'
require 'json'

base = '/tmp/enc-research/puppet'
enc  = ENV['ENC'] || '/tmp/enc-research/scripts/enc.sh'
modulepath = ENV['MODULEPATH'] || '/usr/share/puppet/modules'
t0 = Time.now
Puppet.initialize_settings([
  '--confdir', "#{base}/conf", '--vardir', "#{base}/var", '--codedir', "#{base}/code",
  '--logdir', "#{base}/log", '--rundir', "#{base}/run",
  '--basemodulepath', modulepath,
  '--environmentpath', "#{base}/code/environments",
  '--environment_timeout', ENV['ENV_TIMEOUT'] || 'unlimited',
  '--node_terminus', 'exec', '--external_nodes', enc,
  '--facts_terminus', 'yaml',
  # yaml terminus reads clientyamldir (VARDIR/client_yaml) in the user run mode,
  # yamldir (VARDIR/yaml) in server mode: pin both.
  '--clientyamldir', "#{base}/var/yaml", '--yamldir', "#{base}/var/yaml",
  '--catalog_terminus', 'compiler',
  '--hiera_config', "#{base}/conf/hiera.yaml",
  '--strict', ENV['STRICT'] || 'warning',
  '--log_level', ENV['LOG_LEVEL'] || 'warning',
])
Puppet::Util::Log.newdestination(:console)
# Do not let the compiler write reports/caches anywhere but our vardir, and
# never run Facter: facts come from the yaml terminus only.
Puppet[:storeconfigs] = false
puts "init #{(Time.now - t0).round(2)}s"

results = {}
env = Puppet.lookup(:environments).get!(Puppet[:environment])
Puppet.override(current_environment: env) do
ARGV.each do |cert|
  t = Time.now
  begin
    catalog = Puppet::Resource::Catalog.indirection.find(cert)
    tc = Time.now - t
    ral = catalog.to_ral          # validates parameters as the agent would
    tr = Time.now - t - tc
    types = Hash.new(0)
    ral.resources.each { |r| types[r.type.to_s] += 1 }
    results[cert] = { 'ok' => true, 'resources' => catalog.resources.size, 'ral_resources' => ral.resources.size,
                      'compile_s' => tc.round(2), 'to_ral_s' => tr.round(2),
                      'top_types' => types.sort_by { |_, v| -v }.first(12).to_h }
    File.write("#{base}/#{cert}.catalog.json", JSON.pretty_generate(catalog.to_data_hash)) if ENV['DUMP']
  rescue Exception => e
    results[cert] = { 'ok' => false, 'error' => "#{e.class}: #{e.message}"[0, 2000], 'seconds' => (Time.now - t).round(2) }
  end
  puts "#{cert}: #{results[cert].to_json}"
end
end
puts "total #{(Time.now - t0).round(2)}s"
exit(results.values.all? { |r| r['ok'] } ? 0 : 1)
