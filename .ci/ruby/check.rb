# check.rb validates iCalendar feeds with ruby's icalendar gem (Debian's
# ruby-icalendar), independently of the Go code that wrote them.
#
# Usage: ruby check.rb FILE.ics...
# For every feed it parses the text strictly, wants one calendar with at
# least one component, and reads each event's DTSTART and DTEND through the
# feed's own VTIMEZONE, comparing the instant with the one the C library
# gives for the same wall-clock time in the same zone. The gem fails on a
# zone with two STANDARDs (or DAYLIGHTs) when one starts after the event.
# It prints every problem and exits 1 when there is any.
require 'stringio' # icalendar 2.8 uses StringIO without requiring it
require 'icalendar'

problems = []
events = 0
ARGV.each do |path|
  begin
    text = File.read(path, encoding: 'UTF-8')
    cals = Icalendar::Parser.new(text, true).parse
    raise "#{cals.size} calendars, want 1" unless cals.size == 1
    cal = cals.first
    raise 'the calendar holds no component' if cal.events.empty? && cal.timezones.empty?
    # The gem keeps an event's time as an instant, so the local digits as
    # written are read from the text, event by event.
    written = text.scan(/^BEGIN:VEVENT\r\n.*?^END:VEVENT\r\n/m).map do |block|
      %w[DTSTART DTEND].to_h { |name| [name, block[/^#{name};TZID=[^:\r]*:(\d{8}T\d{6})\r$/, 1]] }
    end
    raise "#{written.size} VEVENTs in the text, #{cal.events.size} parsed" unless written.size == cal.events.size
    cal.events.each_with_index do |ev, i|
      events += 1
      { 'DTSTART' => ev.dtstart, 'DTEND' => ev.dtend }.each do |name, value|
        tzid = Array(value.ical_params['tzid']).first
        raise "event #{ev.uid}: #{name} has no TZID" if tzid.nil?
        from_feed = value.utc
        wall = written[i][name]
        m = /\A(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)\z/.match(wall.to_s)
        raise "event #{ev.uid}: #{name} #{wall} is not local digits" if m.nil?
        ENV['TZ'] = tzid
        from_system = Time.local(*m.captures.map(&:to_i)).utc
        ENV.delete('TZ')
        if from_feed.to_i != from_system.to_i
          problems << "#{path}: event #{ev.uid}: #{name} #{wall} #{tzid} is #{from_feed} by the feed's VTIMEZONE but #{from_system} by the system's zone data"
        end
      end
    end
  rescue StandardError => e
    problems << "#{path}: #{e.class}: #{e.message}"
  end
end
problems.each { |p| warn p }
puts "ruby icalendar #{Icalendar::VERSION}: #{ARGV.size} feeds, #{events} events, #{problems.size} problems"
exit(problems.empty? ? 0 : 1)
