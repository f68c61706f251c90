#!/usr/bin/ruby
# Extract class parameters (name, type, default as source text) from Puppet
# manifests with Puppet's own parser (nothing evaluated).
# Usage: extract_params.rb FILE.pp... > class-params.json
require 'puppet'
require 'json'
Puppet.initialize_settings(['--confdir', '/tmp/enc-research/puppet/conf',
                            '--vardir', '/tmp/enc-research/puppet/var'])
parser = Puppet::Pops::Parser::Parser.new
out = {}
NOT_LITERAL = Object.new
M = Puppet::Pops::Model
# Literal value of a default expression (JSON-able), or NOT_LITERAL when it is
# computed (variables, function calls, interpolation...). undef -> nil.
def literal(e)
  case e
  when nil, M::LiteralUndef then nil
  when M::LiteralString, M::LiteralInteger, M::LiteralFloat, M::LiteralBoolean then e.value
  when M::QualifiedName then e.value            # bareword, e.g. `no`
  when M::ConcatenatedString
    e.segments.all? { |s| s.is_a?(M::LiteralString) } ? e.segments.map(&:value).join : NOT_LITERAL
  when M::LiteralList
    v = e.values.map { |x| literal(x) }
    v.include?(NOT_LITERAL) ? NOT_LITERAL : v
  when M::LiteralHash
    h = {}
    e.entries.each do |en|
      k = literal(en.key); v = literal(en.value)
      return NOT_LITERAL if k == NOT_LITERAL || v == NOT_LITERAL
      h[k.to_s] = v
    end
    h
  when M::UnaryMinusExpression
    v = literal(e.expr); v.is_a?(Numeric) ? -v : NOT_LITERAL
  else NOT_LITERAL
  end
end
ARGV.each do |f|
  program = parser.parse_file(f).model      # Program
  src = program.source_text
  text = ->(e) { e.nil? ? nil : src.byteslice(e.offset, e.length) }
  program.definitions.each do |d|
    next unless d.is_a?(Puppet::Pops::Model::HostClassDefinition)
    out[d.name] = d.parameters.each_with_object({}) do |p, h|
      lit = literal(p.value)
      h[p.name] = { 'type' => text.(p.type_expr), 'default' => text.(p.value),
                    'line' => p.line, 'literal' => lit != NOT_LITERAL, 'value' => (lit == NOT_LITERAL ? nil : lit) }
    end
  end
end
puts JSON.pretty_generate(out)
