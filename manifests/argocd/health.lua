-- Argo CD health of a Switchyard resource (LLMGateway, ModelDeployment, VirtualKey), from its status.
-- Progressing until the operator has seen the latest spec; then Degraded, Healthy or Progressing by condition.
local hs = {}
local function condition(status, kind)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local status = obj.status
local generation = obj.metadata.generation
if status == nil or status.observedGeneration == nil or
    (generation ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile the latest change"
  return hs
end

local degraded = condition(status, "Degraded")
local ready = condition(status, "Ready")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.message or degraded.reason or "Degraded"
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
else
  hs.status = "Progressing"
  if ready ~= nil then
    hs.message = ready.message or ready.reason or "Not ready yet"
  else
    hs.message = "Not ready yet"
  end
end
return hs
