#!/usr/bin/ruby
# Compile and validate Puppet catalogs for many nodes in ONE Ruby process,
# as a Puppet server would, without touching this host: private conf, var,
# code, log and run directories under BASE, a pinned module path, facts from
# YAML files (BASE/var/yaml/facts/CERT.yaml, never Facter), the node's classes
# from an ENC through node_terminus=exec. Each catalog is then turned into
# the agent's resources (catalog.to_ral), which checks what only the agent
# checks (an ssh_authorized_key with whitespace in its key...).
#
# Usage: compile_catalogs.rb SPEC.json   (driven by tests/helpers/puppet.py)
#   SPEC: {"base": DIR, "module_path": "A:B", "enc": EXECUTABLE,
#          "certnames": [...], "output": FILE.jsonl,
#          "select": {"types": [...], "titles": [...], "params": true},
#          "log_level": "warning"}
#   Writes one JSON object per node to "output" as soon as it is done:
#   {certname, ok, phase (compile|to_ral, on failure), error, resource_count,
#    ral_count, compile_s, to_ral_s, resources: [{type, title, params}], warnings}
#   With {"mode": "parameters", "files": [...], "output": FILE} instead: the
#   class parameters of manifests, read with Puppet's own parser (nothing
#   evaluated): {"class": ["param", ...]}.
require 'json'
require 'puppet'

spec = JSON.parse(File.read(ARGV.fetch(0)))
base = spec.fetch('base')
%w[conf var code log run].each { |d| Dir.mkdir("#{base}/#{d}") unless Dir.exist?("#{base}/#{d}") }

def settings(base, extra)
  ['--confdir', "#{base}/conf", '--vardir', "#{base}/var", '--codedir', "#{base}/code",
   '--logdir', "#{base}/log", '--rundir', "#{base}/run",
   '--hiera_config', "#{base}/conf/hiera.yaml"] + extra
end

if spec['mode'] == 'parameters'
  Puppet.initialize_settings(settings(base, []))
  parser = Puppet::Pops::Parser::Parser.new
  out = {}
  spec.fetch('files').each do |file|
    parser.parse_file(file).model.definitions.each do |d|
      next unless d.is_a?(Puppet::Pops::Model::HostClassDefinition)
      out[d.name] = d.parameters.map(&:name)
    end
  end
  File.write(spec.fetch('output'), JSON.generate(out))
  exit 0
end

Puppet.initialize_settings(settings(base, [
  '--basemodulepath', spec.fetch('module_path'),
  '--environmentpath', "#{base}/code/environments",
  '--environment', 'production',
  '--environment_timeout', 'unlimited',
  '--node_terminus', 'exec', '--external_nodes', spec.fetch('enc'),
  '--facts_terminus', 'yaml',
  # the yaml facts terminus reads clientyamldir in the user run mode and
  # yamldir in the server's: pin both to the same directory.
  '--clientyamldir', "#{base}/var/yaml", '--yamldir', "#{base}/var/yaml",
  '--catalog_terminus', 'compiler',
  '--no-storeconfigs', # (a boolean: '--storeconfigs false' would turn it on)
  '--log_level', spec['log_level'] || 'warning',
]))

logs = []
Puppet::Util::Log.newdestination(Puppet::Test::LogCollector.new(logs))
Puppet::Util::Log.level = (spec['log_level'] || 'warning').to_sym

select = spec['select'] || {}
types = (select['types'] || []).map(&:downcase)
titles = select['titles'] || []
with_params = select.fetch('params', true)

# Values as JSON: secrets hidden, Puppet's own objects as text.
def plain(value)
  case value
  when nil, true, false, Integer, Float, String then value
  when Symbol then value == :undef ? nil : value.to_s
  when Array then value.map { |v| plain(v) }
  when Hash then value.each_with_object({}) { |(k, v), h| h[k.to_s] = plain(v) }
  when Puppet::Pops::Types::PSensitiveType::Sensitive then '<sensitive>'
  else value.to_s
  end
end

def wanted?(resource, types, titles)
  return false if types.empty? && titles.empty?
  (types.empty? || types.include?(resource.type.to_s.downcase)) &&
    (titles.empty? || titles.any? { |t| resource.title.to_s.start_with?(t) })
end

File.open(spec.fetch('output'), 'w') do |out|
  out.sync = true
  env = Puppet.lookup(:environments).get!(Puppet[:environment])
  # Without this the compiler runs in the *root* environment and finds no class.
  Puppet.override(current_environment: env) do
    spec.fetch('certnames').each do |cert|
      logs.clear
      result = { 'certname' => cert, 'ok' => false, 'phase' => 'compile', 'error' => nil,
                 'resource_count' => 0, 'ral_count' => 0, 'resources' => [] }
      started = Time.now
      begin
        catalog = Puppet::Resource::Catalog.indirection.find(cert)
        raise "no catalog for #{cert}" if catalog.nil?
        result['compile_s'] = (Time.now - started).round(3)
        result['resource_count'] = catalog.resources.size
        result['resources'] = catalog.resources.select { |r| wanted?(r, types, titles) }.map do |r|
          entry = { 'type' => r.type.to_s, 'title' => r.title.to_s }
          entry['params'] = plain(r.to_hash.reject { |k, _| k == :name && r.to_hash[:name] == r.title }
                                   .transform_keys(&:to_s)) if with_params
          entry
        end
        result['phase'] = 'to_ral'
        started_ral = Time.now
        ral = catalog.to_ral # what an agent does with the catalog before applying it
        result['to_ral_s'] = (Time.now - started_ral).round(3)
        result['ral_count'] = ral.resources.size
        result['ok'] = true
        result['phase'] = nil
        ral.clear(true) if ral.respond_to?(:clear)
      rescue Exception => e # rubocop:disable Lint/RescueException: report every failure per node
        raise if e.is_a?(Interrupt) || e.is_a?(SystemExit)
        result['error'] = "#{e.class}: #{e.message}"[0, 4000]
      end
      result['seconds'] = (Time.now - started).round(3)
      result['warnings'] = logs.select { |m| %i[warning err].include?(m.level) }
                               .map { |m| m.source == 'Puppet' ? m.to_s : "#{m.source}: #{m}" }
                               .uniq.first(200)
      out.puts(JSON.generate(result))
    end
  end
end
